import NIOCore
import Testing
import VTXCore
import ZMTP

/// The deterministic CurveZMQ transcript (`curvezmq-vectors.json`, made with libsodium and checked live against
/// libzmq 4.3.4), reproduced byte for byte by the mechanisms with the same keys and randomness.
@Suite(.timeLimit(.minutes(1)))
struct TranscriptTests {
    @Test("HELLO, WELCOME, INITIATE and READY match the transcript byte for byte")
    func handshake() throws {
        var pair = Pair()
        let (request, hello, welcome, initiate) = try pair.runUntilZAP()
        #expect(body(hello) == Vectors.hello)
        #expect(body(welcome) == Vectors.welcome)
        #expect(body(initiate) == Vectors.initiate)
        #expect(Vectors.hello.count == 200 && Vectors.welcome.count == 168)
        let zap = try #require(request)
        #expect(zap.mechanism == "CURVE" && zap.domain == "global" && zap.address == "127.0.0.1")
        #expect(zap.identity == Frame(), "libzmq sends the server socket's own routing id (empty here)")
        #expect(zap.credentials == [Frame(Vectors.key(Vectors.clientPublic).bytes)])
        let ready = try #require(try pair.server.resume(with: .noHandler).commands.first)
        #expect(body(ready) == Vectors.ready)
        _ = try pair.client.process(.command(ready))
        #expect(pair.client.isComplete && pair.server.isComplete)
        #expect(pair.client.peer?.socketType == .router)
        #expect(pair.server.peer?.socketType == .dealer && pair.server.peer?.userId == nil)
    }

    @Test("MESSAGE Hello (client nonce 3), World (server nonce 2) and the client's PING match the transcript")
    func messages() throws {
        var pair = Pair()
        _ = try pair.handshake()
        var buffer = ByteBuffer()
        try pair.client.encode(Message("Hello"), into: &buffer)
        #expect(Array(buffer.readableBytesView) == [0x00, UInt8(Vectors.clientHello.count)] + Vectors.clientHello,
                "a MESSAGE travels in a data frame with outer flags 0x00")
        buffer.clear()
        try pair.server.encode(Message("World"), into: &buffer)
        #expect(Array(buffer.readableBytesView) == [0x00, UInt8(Vectors.serverWorld.count)] + Vectors.serverWorld)
        buffer.clear()
        try pair.client.encode(Command.ping(ttl: 0, context: Frame()), into: &buffer)
        #expect(Array(buffer.readableBytesView) == [0x00, UInt8(Vectors.clientPing.count)] + Vectors.clientPing)
    }

    @Test("the transcript's MESSAGEs open at the other side: data, and PING as a command")
    func openTranscriptMessages() throws {
        var pair = Pair()
        _ = try pair.handshake()
        let hello = try pair.server.decode(.message(Message(Frame(Vectors.clientHello))))
        #expect(hello == .message(Message("Hello")))
        let ping = try pair.server.decode(.message(Message(Frame(Vectors.clientPing))))
        #expect(ping == .command(.ping(ttl: 0, context: Frame())))
        let world = try pair.client.decode(.message(Message(Frame(Vectors.serverWorld))))
        #expect(world == .message(Message("World")))
    }

    @Test("the zmq_curve.txt key pairs: each public key derives from its secret key")
    func libzmqKeyPairs() throws {
        #expect(Vectors.key(Vectors.clientPublic).bytes == hex("BB88471D65E2659B30C55A5321CEBB5AAB2B70A398645C26DCA2B2FCB43FC518"))
        #expect(Vectors.key(Vectors.serverSecret).bytes == hex("8E0BDD697628B91D8F245587EE95C5B04D48963F79259877B49CD9063AEAD3B7"))
    }
}
