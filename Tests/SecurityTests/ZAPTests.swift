import NIOCore
import Testing
import VTXCore
import ZMTP

/// What the CURVE server does with each ZAP outcome, as libzmq 4.3.4 does.
@Suite(.timeLimit(.minutes(1)))
struct ZAPTests {
    private func serverStep(_ outcome: ZAPOutcome) throws -> (HandshakeStep, Pair) {
        var pair = Pair()
        _ = try pair.runUntilZAP()
        let step = try pair.server.resume(with: outcome)
        return (step, pair)
    }

    @Test("the request carries the server socket's own routing id as identity, and the client's key")
    func request() throws {
        var pair = Pair(serverRoutingId: Frame("SRV"))
        let request = try #require(try pair.runUntilZAP().request)
        #expect(request.identity == Frame("SRV") && request.domain == "global" && request.mechanism == "CURVE")
        #expect(request.credentials.map(\.bytes) == [Vectors.key(Vectors.clientPublic).bytes])
    }

    @Test("no handler admits the client without a user id")
    func noHandler() throws {
        let (step, pair) = try serverStep(.noHandler)
        #expect(step.failure == nil && step.commands.count == 1 && pair.server.isComplete)
        #expect(pair.server.peer?.userId == nil)
    }

    @Test("200 admits; the user id and the handler's metadata join the peer's properties")
    func admitted() throws {
        var metadata = ByteBuffer()
        let properties: Metadata = [("X-Foo", Frame("bar"))]
        properties.write(to: &metadata)
        let (step, pair) = try serverStep(.reply(ZAPReply(statusCode: 200, statusText: "OK", userId: "user-1", metadata: Frame(metadata))))
        #expect(step.failure == nil && step.commands.first?.name == "READY")
        let peer = try #require(pair.server.peer)
        #expect(peer.userId == "user-1")
        #expect(peer.metadata["X-Foo"] == Frame("bar") && peer.metadata["Socket-Type"] == Frame("DEALER"))
        #expect(peer.otherProperties.contains { $0.name == "User-Id" && $0.value == "user-1" })
    }

    @Test("300 refuses without ERROR")
    func temporaryFailure() throws {
        let (step, pair) = try serverStep(.reply(ZAPReply(statusCode: 300, statusText: "later")))
        #expect(step.commands.isEmpty)
        #expect(step.failure?.category == .authenticationFailed && step.failure?.authenticationStatus == 300)
        #expect(!pair.server.isComplete && pair.server.peer == nil)
    }

    @Test("400 and 500 send ERROR with the status code, then refuse")
    func refused() throws {
        for code in [400, 500] {
            let (step, pair) = try serverStep(.reply(ZAPReply(statusCode: code, statusText: "no")))
            #expect(step.commands == [.error(reason: String(code))])
            #expect(step.failure?.category == .authenticationFailed && step.failure?.authenticationStatus == code)
            #expect(!pair.server.isComplete)
        }
    }

    @Test("an invalid reply, or unparsable handler metadata, refuses without ERROR")
    func invalid() throws {
        let (step, _) = try serverStep(.invalid("the ZAP handler answered 3 frames"))
        #expect(step.commands.isEmpty && step.failure?.category == .authenticationFailed)
        #expect(step.failure?.message.contains("3 frames") == true)
        let (bad, _) = try serverStep(.reply(ZAPReply(statusCode: 200, metadata: Frame([5, 0x41]))))
        #expect(bad.commands.isEmpty && bad.failure?.category == .authenticationFailed)
    }

    @Test("after a refusal, nothing more is processed")
    func afterRefusal() throws {
        var (_, pair) = try serverStep(.reply(ZAPReply(statusCode: 400)))
        #expect(throws: ZMTPError.unexpectedCommand) { _ = try pair.server.resume(with: .noHandler) }
        #expect(throws: ZMTPError.unexpectedCommand) { _ = try pair.server.process(.command(.ready([]))) }
    }
}
