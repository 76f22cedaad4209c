import NIOCore
import Testing
import VTXCore
import VTXSecurity
import ZMTP

/// A CURVE client and server driven through `start`, `process` and `resume` in memory, with random keys as in
/// production and with the transcript's fixed ones.
@Suite(.timeLimit(.minutes(1)))
struct HandshakeTests {
    /// Runs `messages` from `sender` to `receiver` through the wire form and a FrameDecoder.
    private func deliver(
        _ messages: [Message], encode: (Message, inout ByteBuffer) throws -> Void,
        decode: (ZMTPItem) throws -> ZMTPItem?
    ) throws -> [ZMTPItem] {
        var buffer = ByteBuffer()
        for message in messages { try encode(message, &buffer) }
        return try decodeAll(buffer).compactMap { try decode($0) }
    }

    @Test("random keys: handshake, then multipart messages both ways, with a PING between frames")
    func randomKeys() throws {
        let server = CurveKeyPair.generate()
        let client = CurveKeyPair.generate()
        var clientSide = CurveClientMechanism(
            serverKey: server.publicKey, publicKey: client.publicKey, secretKey: client.secretKey,
            context: HandshakeContext(socketType: .req, routingId: Frame("me"))
        )
        var serverSide = CurveServerMechanism(
            secretKey: server.secretKey,
            context: HandshakeContext(socketType: .rep, properties: [("X-Color", Frame("blue"))]),
            cookieKeys: CurveCookieKeys()
        )
        #expect(try serverSide.start().commands.isEmpty)
        var toServer = try clientSide.start().commands
        var toClient: [Command] = []
        var zap: ZAPRequest?
        while !(clientSide.isComplete && serverSide.isComplete) {
            for sent in toServer {
                let step = try serverSide.process(.command(try command(fromBody: body(sent))))
                toClient += step.commands
                if let request = step.authenticate { zap = request; toClient += try serverSide.resume(with: .noHandler).commands }
            }
            toServer = []
            for sent in toClient { toServer += try clientSide.process(.command(sent)).commands }
            toClient = []
        }
        #expect(zap?.credentials == [Frame(client.publicKey.bytes)])
        #expect(serverSide.peer?.routingId == Frame("me") && serverSide.peer?.socketType == .req)
        #expect(clientSide.peer?.metadata["X-Color"] == Frame("blue"))

        let big = Frame([UInt8](repeating: 7, count: 70_000))
        let request = Message([Frame("a"), Frame(), big, Frame([UInt8](repeating: 1, count: 300))])
        let received = try deliver(
            [request], encode: { try clientSide.encode($0, into: &$1) }, decode: { try serverSide.decode($0) }
        )
        #expect(received == [.message(request)])
        let reply = Message([Frame("r1"), Frame([UInt8](repeating: 9, count: 256)), Frame("end")])
        let replies = try deliver(
            [reply, Message("second")], encode: { try serverSide.encode($0, into: &$1) },
            decode: { try clientSide.decode($0) }
        )
        #expect(replies == [.message(reply), .message(Message("second"))])
    }

    @Test("a command between two frames of a message comes out at once; the message stays whole")
    func commandBetweenFrames() throws {
        var pair = Pair()
        _ = try pair.handshake()
        // The session key both sides agreed on, recomputed from the transcript's transient keys.
        let key = Vectors.clientTransientSecret.withUnsafeBytes { secret in
            Sodium.precompute(publicKey: hex("9e4531ca5d0fd6854f7b4499e3be9c0320c725f8699b342881a6839d161dfb5b"), secretKey: secret)
        }
        let sessionKey = try #require(key)
        var sender = CurveSession(sessionKey: sessionKey, isServer: false, nextNonce: 3, lastPeerNonce: 1, maxMessageSize: nil)
        var buffer = ByteBuffer()
        try sender.encode(Frame("a"), more: true, into: &buffer)
        try sender.encode(Command.ping(ttl: 10, context: Frame("ctx")), into: &buffer)
        try sender.encode(Frame([UInt8](repeating: 5, count: 3000)), more: false, into: &buffer)
        let items = try decodeAll(buffer)
        #expect(items.count == 3, "one ZMTP data frame per MESSAGE")
        #expect(try pair.server.decode(items[0]) == nil, "a frame with inner MORE completes nothing")
        #expect(try pair.server.decode(items[1]) == .command(.ping(ttl: 10, context: Frame("ctx"))))
        #expect(try pair.server.decode(items[2]) == .message(Message([Frame("a"), Frame([UInt8](repeating: 5, count: 3000))])))
    }

    @Test("a client with the wrong server key fails at WELCOME; the server cannot open its HELLO")
    func wrongServerKey() throws {
        let other = CurveKeyPair.generate()
        var pair = Pair(serverKey: other.publicKey)
        let hello = try #require(try pair.client.start().commands.first)
        #expect(throws: ZMTPError.cryptographic) {
            _ = try pair.server.process(.command(try command(fromBody: body(hello))))
        }
    }

    @Test("the client's ERROR handling: the server's ERROR while waiting for WELCOME or READY")
    func peerError() throws {
        var pair = Pair()
        _ = try pair.client.start()
        let error = #expect(throws: ZMTPError.peerError) {
            _ = try pair.client.process(.command(.error(reason: "400")))
        }
        #expect(error?.authenticationStatus == 400)
    }

    @Test("commands out of turn are unexpected; data during the handshake too")
    func outOfTurn() throws {
        var pair = Pair()
        #expect(throws: ZMTPError.unexpectedCommand) { _ = try pair.server.process(.command(.ready([]))) }
        #expect(throws: ZMTPError.unexpectedCommand) { _ = try pair.server.process(.message(Message("data"))) }
        #expect(throws: ZMTPError.unexpectedCommand) { _ = try pair.client.process(.command(.ready([]))) }
        _ = try pair.client.start()
        #expect(throws: ZMTPError.unexpectedCommand) { _ = try pair.client.process(.message(Message("data"))) }
        var fresh = Pair()
        var buffer = ByteBuffer()
        #expect(throws: ZMTPError.unexpectedCommand) { try fresh.client.encode(Message("early"), into: &buffer) }
        #expect(throws: ZMTPError.unexpectedCommand) { _ = try fresh.server.resume(with: .noHandler) }
        #expect(throws: ZMTPError.unexpectedCommand) { _ = try fresh.client.resume(with: .noHandler) }
    }

    @Test("incompatible socket types fail at INITIATE (server) and READY (client)")
    func socketTypes() throws {
        var pair = Pair(clientType: .pub, serverType: .router)
        let hello = try #require(try pair.client.start().commands.first)
        let welcome = try #require(try pair.server.process(.command(try command(fromBody: body(hello)))).commands.first)
        let initiate = try #require(try pair.client.process(.command(try command(fromBody: body(welcome)))).commands.first)
        #expect(throws: ZMTPError.incompatibleSocketType) {
            _ = try pair.server.process(.command(try command(fromBody: body(initiate))))
        }
    }

    @Test("a message over maxMessageSize throws messageTooLarge, counting every frame of a multipart message")
    func maxMessageSize() throws {
        var pair = Pair(maxMessageSize: 10)
        _ = try pair.handshake()
        var buffer = ByteBuffer()
        try pair.client.encode(Message([Frame("123456"), Frame("7890")]), into: &buffer)
        #expect(try decodeAll(buffer).compactMap { try pair.server.decode($0) } == [.message(Message([Frame("123456"), Frame("7890")]))])
        buffer.clear()
        try pair.client.encode(Message([Frame("123456"), Frame("78901")]), into: &buffer)
        let items = try decodeAll(buffer)
        #expect(try pair.server.decode(items[0]) == nil)
        #expect(throws: ZMTPError.messageTooLarge) { _ = try pair.server.decode(items[1]) }
    }
}
