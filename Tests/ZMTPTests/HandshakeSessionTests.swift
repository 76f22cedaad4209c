import NIOCore
import Testing
import VTXCore
import ZMTP

/// ``ZMTPHandshake`` without sockets: two openings exchange bytes in memory, through greeting, PLAIN and a ZAP
/// pause, and hand over exactly the bytes that follow the handshake.
@Suite("ZMTP handshake, in memory", .timeLimit(.minutes(1)))
struct HandshakeSessionTests {
    /// Moves what `output` asks to send into `wire`.
    private static func write(_ output: ZMTPHandshake.Output, to wire: inout ByteBuffer) {
        for command in output.commands { FrameEncoder.encode(command, into: &wire) }
    }

    private static func opening(_ mechanism: any Mechanism) -> (ZMTPHandshake, ByteBuffer) {
        let handshake = ZMTPHandshake(mechanism: mechanism, maxMessageSize: nil)
        var wire = ByteBuffer()
        handshake.greeting.write(to: &wire)
        return (handshake, wire)
    }

    @Test func plainHandshakePausesForZAPAndHandsOverTheRest() throws {
        let client = try PlainClientMechanism(
            username: "admin", password: "secret", context: HandshakeContext(socketType: .dealer)
        )
        let server = PlainServerMechanism(context: HandshakeContext(socketType: .router, zapAddress: "10.0.0.1"))
        var (c, toServer) = Self.opening(client)
        var (s, toClient) = Self.opening(server)

        // Greetings cross; the client sends HELLO, the server asks ZAP and keeps what else arrives.
        Self.write(try c.receive(&toClient), to: &toServer)
        var asked = try s.receive(&toServer)
        let request = try #require(asked.authenticate)
        #expect(request.mechanism == "PLAIN")
        #expect(request.address == "10.0.0.1")
        #expect(request.credentials.map(\.bytes) == [Array("admin".utf8), Array("secret".utf8)])
        #expect(s.isAwaitingAuthentication)
        var stray = ByteBuffer(bytes: [0x00, 0x01, 0x41])  // kept, not parsed, while ZAP is outstanding
        asked = try s.receive(&stray)
        #expect(asked.commands.isEmpty && stray.readableBytes == 0)

        // ZAP admits: WELCOME; but the stray data frame now comes before INITIATE, which PLAIN refuses.
        let resumed = Result { () throws(ZMTPError) in try s.resume(with: .reply(ZAPReply(statusCode: 200, userId: "u"))) }
        #expect(throws: ZMTPError.unexpectedCommand) { try resumed.get() }
    }

    @Test func plainHandshakeCompletes() throws {
        let client = try PlainClientMechanism(
            username: "admin", password: "secret", context: HandshakeContext(socketType: .dealer)
        )
        let server = PlainServerMechanism(context: HandshakeContext(socketType: .router))
        var (c, toServer) = Self.opening(client)
        var (s, toClient) = Self.opening(server)
        Self.write(try c.receive(&toClient), to: &toServer)
        #expect(try s.receive(&toServer).authenticate != nil)
        Self.write(try s.resume(with: .reply(ZAPReply(statusCode: 200, userId: "user-7"))), to: &toClient)
        Self.write(try c.receive(&toClient), to: &toServer)  // WELCOME -> INITIATE
        // The client's first data frame travels in the same read as INITIATE.
        FrameEncoder.encode(Message("data"), into: &toServer)
        Self.write(try s.receive(&toServer), to: &toClient)  // INITIATE -> READY
        #expect(s.isComplete)
        #expect(s.mechanism.peer?.socketType == .dealer)
        #expect(s.mechanism.peer?.userId == "user-7")
        var decoder = s.decoder
        #expect(try decoder.next(&toServer) == .message(Message("data")))
        _ = try c.receive(&toClient)
        #expect(c.isComplete)
        #expect(c.mechanism.peer?.socketType == .router)
    }

    @Test func refusalSendsLibzmqsErrorAndFails() throws {
        let client = try PlainClientMechanism(
            username: "admin", password: "wrong", context: HandshakeContext(socketType: .req)
        )
        let server = PlainServerMechanism(context: HandshakeContext(socketType: .rep))
        var (c, toServer) = Self.opening(client)
        var (s, toClient) = Self.opening(server)
        Self.write(try c.receive(&toClient), to: &toServer)
        _ = try s.receive(&toServer)
        let refused = try s.resume(with: .reply(ZAPReply(statusCode: 400, statusText: "no")))
        #expect(refused.failure?.authenticationStatus == 400)
        Self.write(refused, to: &toClient)
        #expect(toClient.readableBytesView.contains(0x5E), "ERROR is spelt ^RROR, as libzmq's PLAIN server does")
        let error = #expect(throws: ZMTPError.peerError) { _ = try c.receive(&toClient) }
        #expect(error?.authenticationStatus == 400)
        #expect(error?.vtxError.code == .authenticationFailed)
    }

    @Test func nullWithDomainSendsReadyOnlyAfterZAP() throws {
        let server = NullMechanism(context: HandshakeContext(socketType: .pull, zapDomain: "global"))
        var (s, _) = Self.opening(server)
        var (peer, toServer) = Self.opening(NullMechanism(socketType: .push))
        var fromServer = ByteBuffer()
        s.greeting.write(to: &fromServer)
        Self.write(try peer.receive(&fromServer), to: &toServer)  // the peer's READY follows its greeting
        let first = try s.receive(&toServer)
        #expect(first.commands.isEmpty, "no READY before ZAP answers")
        #expect(first.authenticate?.mechanism == "NULL")
        #expect(first.authenticate?.domain == "global")
        let admitted = try s.resume(with: .noHandler)
        #expect(admitted.commands.map(\.name) == ["READY"])
        #expect(s.isComplete)
    }

    /// While ZAP is asked, a peer has nothing to send; bytes beyond the handshake budget are refused instead of kept
    /// (before the fix they were kept without bound).
    @Test func bytesWhileAwaitingZAPAreBounded() throws {
        let server = NullMechanism(context: HandshakeContext(socketType: .pull, zapDomain: "global"))
        var (s, _) = Self.opening(server)
        var (peer, toServer) = Self.opening(NullMechanism(socketType: .push))
        var fromServer = ByteBuffer()
        s.greeting.write(to: &fromServer)
        Self.write(try peer.receive(&fromServer), to: &toServer)
        #expect(try s.receive(&toServer).authenticate != nil)
        // 16 KiB at a time: the budget is 64 KiB, so the fifth chunk at the latest is refused.
        var accepted = 0
        var refusal: ZMTPError?
        for _ in 0..<8 where refusal == nil {
            var chunk = ByteBuffer(repeating: 0x61, count: 16 * 1024)
            do throws(ZMTPError) {
                _ = try s.receive(&chunk)
                accepted += 16 * 1024
            } catch {
                refusal = error
            }
        }
        let error = try #require(refusal, "128 KiB were kept while ZAP was asked")
        #expect(error.category == .unexpectedCommand)
        #expect(accepted <= FrameDecoder.maxHandshakeCommandSize && accepted >= FrameDecoder.maxHandshakeCommandSize - 16 * 1024)
        #expect(error.message.contains("waited for authentication"), "\(error)")
    }
}
