import NIOCore
import Testing
import VTXCore
import ZMTP

/// Replayed, reordered and tampered MESSAGEs, and handshake commands of the wrong size or with boxes that do not
/// open: each throws the error libzmq reports for it.
@Suite(.timeLimit(.minutes(1)))
struct BadInputTests {
    private func frames(_ messages: [Message], from pair: inout Pair) throws -> [[UInt8]] {
        var buffer = ByteBuffer()
        for message in messages { try pair.client.encode(message, into: &buffer) }
        return try decodeAll(buffer).map { item -> [UInt8] in
            guard case .message(let message) = item else { return [] }
            return message[0].bytes
        }
    }

    @Test("a replayed MESSAGE throws invalidSequence")
    func replay() throws {
        var pair = Pair()
        _ = try pair.handshake()
        let sent = try frames([Message("one")], from: &pair)
        #expect(try pair.server.decode(.message(Message(Frame(sent[0])))) == .message(Message("one")))
        #expect(throws: ZMTPError.invalidSequence) { _ = try pair.server.decode(.message(Message(Frame(sent[0])))) }
    }

    @Test("reordered MESSAGEs throw invalidSequence; gaps are fine")
    func reorder() throws {
        var pair = Pair()
        _ = try pair.handshake()
        let sent = try frames([Message("one"), Message("two"), Message("three")], from: &pair)
        #expect(try pair.server.decode(.message(Message(Frame(sent[1])))) == .message(Message("two")))
        #expect(throws: ZMTPError.invalidSequence) { _ = try pair.server.decode(.message(Message(Frame(sent[0])))) }
        var other = Pair()
        _ = try other.handshake()
        let again = try frames([Message("one"), Message("two"), Message("three")], from: &other)
        #expect(try other.server.decode(.message(Message(Frame(again[2])))) == .message(Message("three")))
    }

    @Test("a tampered MESSAGE throws cryptographic, wherever the flipped bit is")
    func tamper() throws {
        for offset in [16, 20, 32, 36] {
            var pair = Pair()
            _ = try pair.handshake()
            var sent = try frames([Message("hello")], from: &pair)[0]
            sent[offset] ^= 0x01
            #expect(throws: ZMTPError.cryptographic) { _ = try pair.server.decode(.message(Message(Frame(sent)))) }
        }
    }

    @Test("short or misnamed MESSAGEs are malformed; MESSAGE with outer flag 0x04 is accepted; other commands are not")
    func malformedMessage() throws {
        var pair = Pair()
        _ = try pair.handshake()
        let error = #expect(throws: ZMTPError.malformedCommand) {
            _ = try pair.server.decode(.message(Message(Frame(Array(Vectors.clientHello.prefix(32))))))
        }
        #expect(error?.command == "MESSAGE")
        #expect(throws: ZMTPError.malformedCommand) { _ = try pair.server.decode(.message(Message("plain data, not boxed"))) }
        let asCommand = try command(fromBody: Vectors.clientHello)
        #expect(try pair.server.decode(.command(asCommand)) == .message(Message("Hello")))
        #expect(throws: ZMTPError.unexpectedCommand) { _ = try pair.server.decode(.command(.ping(ttl: 0, context: Frame()))) }
        #expect(throws: ZMTPError.unexpectedCommand) {
            _ = try pair.server.decode(.message(Message([Frame(Vectors.clientHello), Frame(Vectors.clientPing)])))
        }
    }

    /// A change to a command body.
    enum Change {
        case keep(Int)
        case append
        case flip(Int)
        case set(Int, UInt8)

        func applied(to body: [UInt8]) -> [UInt8] {
            var bytes = body
            switch self {
            case .keep(let count): bytes = Array(bytes.prefix(count))
            case .append: bytes.append(0)
            case .flip(let offset): bytes[offset] ^= 1
            case .set(let offset, let value): bytes[offset] = value
            }
            return bytes
        }
    }

    /// The command whose body is `body` changed by `change`.
    private func altered(_ body: [UInt8], _ change: Change) throws -> ZMTPItem {
        .command(try command(fromBody: change.applied(to: body)))
    }

    @Test("HELLO: wrong length or version is malformed; a bad signature box is cryptographic")
    func badHello() throws {
        for (change, expected, what) in [
            (Change.keep(199), ZMTPError.malformedCommand, "short"),
            (Change.append, ZMTPError.malformedCommand, "long"),
            (Change.set(6, 2), ZMTPError.malformedCommand, "version 2.0"),
            (Change.flip(150), ZMTPError.cryptographic, "box"),
            (Change.flip(119), ZMTPError.cryptographic, "nonce"),
        ] as [(Change, ZMTPError, String)] {
            var pair = Pair()
            let error = #expect(throws: expected, "\(what)") { _ = try pair.server.process(try altered(Vectors.hello, change)) }
            if expected == .malformedCommand { #expect(error?.command == "HELLO") }
        }
    }

    @Test("WELCOME: wrong length is malformed; a bad box is cryptographic")
    func badWelcome() throws {
        for (change, expected) in [
            (Change.keep(167), ZMTPError.malformedCommand),
            (Change.append, ZMTPError.malformedCommand),
            (Change.flip(100), ZMTPError.cryptographic),
            (Change.flip(8), ZMTPError.cryptographic),
        ] as [(Change, ZMTPError)] {
            var pair = Pair()
            _ = try pair.client.start()
            #expect(throws: expected) { _ = try pair.client.process(try altered(Vectors.welcome, change)) }
        }
    }

    @Test("INITIATE: short is malformed; bad cookie, box or vouch is cryptographic; a stale cookie key fails")
    func badInitiate() throws {
        for (change, expected) in [
            (Change.keep(256), ZMTPError.malformedCommand),
            (Change.flip(30), ZMTPError.cryptographic),
            (Change.flip(10), ZMTPError.cryptographic),
            (Change.flip(200), ZMTPError.cryptographic),
            (Change.flip(112), ZMTPError.cryptographic),
        ] as [(Change, ZMTPError)] {
            var pair = Pair()
            _ = try pair.server.process(.command(try command(fromBody: Vectors.hello)))
            #expect(throws: expected) { _ = try pair.server.process(try altered(Vectors.initiate, change)) }
        }
        // The cookie key rotated twice since WELCOME: the cookie no longer opens.
        let keys = CurveCookieKeys(rotationInterval: .seconds(60))
        var pair = Pair(cookieKeys: keys)
        let hello = try #require(try pair.client.start().commands.first)
        let welcome = try #require(try pair.server.process(.command(try command(fromBody: body(hello)))).commands.first)
        let initiate = try #require(try pair.client.process(.command(try command(fromBody: body(welcome)))).commands.first)
        keys.rotate()
        keys.rotate()
        #expect(throws: ZMTPError.cryptographic) { _ = try pair.server.process(.command(try command(fromBody: body(initiate)))) }
    }

    @Test("a HELLO and INITIATE recorded on one connection and replayed on another are refused")
    func replayedInitiate() throws {
        let keys = CurveCookieKeys()
        var original = Pair(cookieKeys: keys)
        let recorded = try original.runUntilZAP()
        // A second server connection with the same (shared) cookie keys: the replayed HELLO gets a new WELCOME,
        // and the recorded INITIATE, whose cookie still opens with the shared key, must not be accepted.
        var replay = CurveServerMechanism(
            secretKey: Vectors.key(Vectors.serverSecret), context: HandshakeContext(socketType: .router), cookieKeys: keys
        )
        _ = try replay.process(.command(try command(fromBody: body(recorded.hello))))
        let error = #expect(throws: ZMTPError.cryptographic) {
            _ = try replay.process(.command(try command(fromBody: body(recorded.initiate))))
        }
        #expect(error?.message.contains("replayed") == true)
    }

    @Test("INITIATE after one cookie key rotation still opens (current and previous keys are accepted)")
    func rotatedOnce() throws {
        let keys = CurveCookieKeys()
        var pair = Pair(cookieKeys: keys)
        let hello = try #require(try pair.client.start().commands.first)
        let welcome = try #require(try pair.server.process(.command(try command(fromBody: body(hello)))).commands.first)
        let initiate = try #require(try pair.client.process(.command(try command(fromBody: body(welcome)))).commands.first)
        keys.rotate()
        let step = try pair.server.process(.command(try command(fromBody: body(initiate))))
        #expect(step.authenticate != nil)
    }

    @Test("READY: short is malformed; a bad box is cryptographic")
    func badReady() throws {
        for (change, expected) in [
            (Change.keep(29), ZMTPError.malformedCommand),
            (Change.flip(20), ZMTPError.cryptographic),
            (Change.flip(13), ZMTPError.cryptographic),
        ] as [(Change, ZMTPError)] {
            var pair = Pair()
            _ = try pair.runUntilZAP()
            let bytes = change.applied(to: Vectors.ready)
            let ready = Command.other(name: "READY", data: Frame(Array(bytes.dropFirst(6))))
            #expect(throws: expected) { _ = try pair.client.process(.command(ready)) }
        }
    }

    @Test("a client whose public key is not its secret key's refuses to start")
    func mismatchedKeys() throws {
        var client = CurveClientMechanism(
            serverKey: Vectors.key(Vectors.serverPublic), publicKey: Vectors.key(Vectors.serverPublic),
            secretKey: Vectors.key(Vectors.clientSecret), context: HandshakeContext(socketType: .dealer)
        )
        #expect(throws: ZMTPError.keyExchange) { _ = try client.start() }
    }
}
