import Foundation
import Testing
import VTX
import VTXTestSupport
import ZMTP

/// Bad input against a CURVE server, over real sockets: each attack drops only its own connection, with a monitor
/// event and a logged reason, while a CURVE client keeps streaming (the rule and the checks of `BadInputTests`).
/// The codec-level cases (every wrong length and bad box of HELLO, WELCOME, INITIATE, READY; replayed, reordered
/// and tampered MESSAGEs) are in `Tests/SecurityTests`; a tampered MESSAGE on the wire is below.
@Suite("Bad input: the CURVE handshake", .timeLimit(.minutes(1)))
struct CurveBadInputTests {
    static let server = CurveKeyPair.generate()

    static func curveServer(_ socket: Socket) {
        socket.curveServer = true
        socket.curveSecretKey = server.secretKey
    }

    static func curveClient(_ socket: Socket) {
        socket.curveServerKey = server.publicKey
    }

    /// A CURVE greeting followed by `command` (name and data) as a command frame.
    static func greetingThen(_ name: String, _ data: [UInt8]) -> [UInt8] {
        ZMTPWire.greeting(mechanism: .curve) + ZMTPWire.command(.other(name: name, data: Frame(data)))
    }

    static func attack(
        _ bytes: [UInt8],
        expect kind: MonitorEvent.Kind = .handshakeFailed,
        code: VTXError.Code = .handshakeFailed,
        mentioning words: [String],
        configure: @escaping (Socket) -> Void = curveServer
    ) throws {
        try BadInputScenario.attack(
            .pullOverTCP, configure: configure, configurePeer: curveClient, sending: bytes,
            expect: kind, code: code, mentioning: words
        )
    }

    @Test func helloOfTheWrongLength() throws {
        try Self.attack(Self.greetingThen("HELLO", [1, 0] + [UInt8](repeating: 0, count: 150)), mentioning: ["HELLO", "200"])
    }

    @Test func helloOfAnotherVersion() throws {
        try Self.attack(Self.greetingThen("HELLO", [2, 0] + [UInt8](repeating: 0, count: 192)), mentioning: ["HELLO", "2.0"])
    }

    @Test func helloWithABoxThatDoesNotOpen() throws {
        var data: [UInt8] = [1, 0] + [UInt8](repeating: 0, count: 72)
        data += (0..<120).map { UInt8(truncatingIfNeeded: $0 &* 7) }  // C', nonce, a forged box
        try Self.attack(Self.greetingThen("HELLO", data), mentioning: ["HELLO", "box"])
    }

    @Test func initiateBeforeHello() throws {
        try Self.attack(Self.greetingThen("INITIATE", [UInt8](repeating: 1, count: 300)), mentioning: ["expected HELLO"])
    }

    @Test func dataBeforeHello() throws {
        try Self.attack(ZMTPWire.greeting(mechanism: .curve) + ZMTPWire.message("hi"), mentioning: ["data"])
    }

    @Test func plainClientToCurveServer() throws {
        try Self.attack(ZMTPWire.greeting(mechanism: .plain), mentioning: ["mechanism", "PLAIN", "CURVE"])
    }

    @Test func stallAfterGreeting() throws {
        try Self.attack(
            ZMTPWire.greeting(mechanism: .curve), code: .timedOut, mentioning: ["handshake"],
            configure: { Self.curveServer($0); $0.handshakeInterval = .milliseconds(300) }
        )
    }

    /// A relay flips one bit of the client's traffic after the handshake: the server's box check fails, it drops
    /// that connection (`disconnected`, in words), and a second CURVE client keeps working.
    @Test func tamperedMessageOnTheWire() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let pull = try vtx.socket(.pull)
        Self.curveServer(pull)
        let monitor = try pull.monitor()
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(pull.lastEndpoint)
        let port = try #require(Int(endpoint.split(separator: ":").last ?? ""))
        // Client-to-server bytes: greeting 64, HELLO 202, INITIATE about 300; byte 3000 is inside a MESSAGE.
        let relay = try CaptureRelay(forwardingTo: port, flippingClientByteAt: 3000)
        let victim = try vtx.socket(.push)
        Self.curveClient(victim)
        victim.reconnectInterval = nil
        try victim.connect("tcp://127.0.0.1:\(relay.port)")
        let other = try vtx.socket(.push)
        Self.curveClient(other)
        try other.connect(endpoint)
        defer { victim.close(); other.close(); pull.close() }
        for index in 0..<60 { try victim.send(Message([Frame("victim"), Frame(String(repeating: "x", count: 64 + index))])) }
        let dropped = try #require(monitor.next(.disconnected, timeout: .seconds(10)))
        #expect(dropped.error?.message.contains("MESSAGE") == true, "\(dropped)")
        try other.send("still here")
        var heard = false
        for _ in 0..<100 where !heard {
            heard = try pull.receive(timeout: .seconds(10)).frameBytes == [Array("still here".utf8)]
        }
        #expect(heard, "the other client's message never arrived")
    }
}
