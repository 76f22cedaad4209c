import NIOCore
import Testing
import VTXCore
import VTXSecurity
import ZMTP

/// CURVE through ``ZMTPHandshake`` and the ``FrameDecoder``, as an engine runs it: greetings, the four commands as
/// real command frames (the boxed READY included), a ZAP pause, then boxed data both ways.
@Suite(.timeLimit(.minutes(1)))
struct WireTests {
    private static func write(_ output: ZMTPHandshake.Output, to wire: inout ByteBuffer) {
        for command in output.commands { FrameEncoder.encode(command, into: &wire) }
    }

    private static func opening(_ mechanism: any Mechanism) -> (ZMTPHandshake, ByteBuffer) {
        let handshake = ZMTPHandshake(mechanism: mechanism, maxMessageSize: nil)
        var wire = ByteBuffer()
        handshake.greeting.write(to: &wire)
        return (handshake, wire)
    }

    @Test("greetings, HELLO/WELCOME/INITIATE, ZAP, READY, then messages through each side's mechanism and decoder")
    func engineFlow() throws {
        let server = CurveKeyPair.generate()
        let client = CurveKeyPair.generate()
        let clientMechanism = CurveClientMechanism(
            serverKey: server.publicKey, publicKey: client.publicKey, secretKey: client.secretKey,
            context: HandshakeContext(socketType: .dealer, routingId: Frame("client-1"))
        )
        let serverMechanism = CurveServerMechanism(
            secretKey: server.secretKey, context: HandshakeContext(socketType: .router, zapAddress: "10.0.0.2")
        )
        var (c, toServer) = Self.opening(clientMechanism)
        var (s, toClient) = Self.opening(serverMechanism)
        #expect(c.greeting.mechanism == .curve && s.greeting.mechanism == .curve)
        Self.write(try c.receive(&toClient), to: &toServer)  // greeting -> HELLO
        Self.write(try s.receive(&toServer), to: &toClient)  // HELLO -> WELCOME
        Self.write(try c.receive(&toClient), to: &toServer)  // WELCOME -> INITIATE
        let asked = try s.receive(&toServer)
        let request = try #require(asked.authenticate)
        #expect(request.mechanism == "CURVE" && request.address == "10.0.0.2")
        #expect(request.credentials.map(\.bytes) == [client.publicKey.bytes])
        Self.write(try s.resume(with: .reply(ZAPReply(statusCode: 200, userId: "alice"))), to: &toClient)
        #expect(s.isComplete)
        _ = try c.receive(&toClient)  // READY, boxed: the decoder must not read it as metadata
        #expect(c.isComplete)
        #expect(s.mechanism.peer?.userId == "alice" && s.mechanism.peer?.routingId == Frame("client-1"))
        #expect(c.mechanism.peer?.socketType == .router)

        var clientSide = c.mechanism
        var serverSide = s.mechanism
        #expect(!clientSide.passesFramesThrough && !serverSide.passesFramesThrough)
        var serverDecoder = s.decoder
        var clientDecoder = c.decoder
        var wire = ByteBuffer()
        let request1 = Message([Frame("a"), Frame([UInt8](repeating: 3, count: 5000))])
        try clientSide.encode(request1, into: &wire)
        try clientSide.encode(Command.subscribe(topic: Frame("t")), into: &wire)
        var received: [ZMTPItem] = []
        while let item = try serverDecoder.next(&wire) {
            if let decoded = try serverSide.decode(item) { received.append(decoded) }
        }
        #expect(received == [.message(request1), .command(.subscribe(topic: Frame("t")))])
        try serverSide.encode(Message("reply"), into: &wire)
        var replies: [ZMTPItem] = []
        while let item = try clientDecoder.next(&wire) {
            if let decoded = try clientSide.decode(item) { replies.append(decoded) }
        }
        #expect(replies.count == 1)
        if case .message(let reply) = replies.first { #expect(reply.frames == [Frame("reply")]) }
    }
}
