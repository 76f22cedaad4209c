import Foundation
import NIOCore
import Testing
import VTX
import VTXTestSupport

/// ZAP handlers that misbehave, mechanisms that do not match: each drops only the connection concerned, with a
/// monitor event and an error in words, while other peers keep working.
@Suite("ZAP handlers and mechanism mismatches", .timeLimit(.minutes(1)))
struct ZAPHandlerTests {
    /// A hand-written handler that answers every request with `answer` (or never, when `nil`).
    private static func startHandler(_ vtx: VTX, answer: Message?) throws -> Socket {
        let handler = try vtx.socket(.router)
        handler.linger = .zero
        try handler.bind(ZAPRequest.endpoint)
        if let answer {
            Thread.detachNewThread {
                guard let request = try? handler.receive(timeout: .seconds(20)) else { return }
                var reply = Array(request.frames.prefix(2))  // the routing id and the delimiter
                reply.append(contentsOf: answer.frames)
                try? handler.send(Message(reply))
            }
        }
        return handler
    }

    private static func plainPair(_ vtx: VTX, handshake: Duration = .seconds(30)) throws -> (Socket, Socket, SocketMonitor) {
        let server = try vtx.socket(.pull)
        server.plainServer = true
        server.handshakeInterval = handshake
        let monitor = try server.monitor()
        try server.bind("tcp://127.0.0.1:*")
        let client = try vtx.socket(.push)
        client.plainUsername = "admin"
        client.plainPassword = "secret"
        client.reconnectInterval = nil
        try client.connect(try #require(server.lastEndpoint))
        return (server, client, monitor)
    }

    @Test func garbageAnswerRefusesThePeer() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let handler = try Self.startHandler(vtx, answer: Message(["1.0", "1", "not a status"]))
        defer { handler.close() }
        let (server, client, monitor) = try Self.plainPair(vtx)
        defer { server.close(); client.close() }
        let failed = try #require(monitor.next(.handshakeFailed, timeout: .seconds(10)))
        #expect(failed.error?.code == .authenticationFailed, "\(failed)")
        #expect(failed.error?.message.contains("frames") == true, "\(failed)")
    }

    @Test func badStatusRefusesThePeer() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let handler = try Self.startHandler(vtx, answer: Message(["1.0", "1", "201", "", "", ""]))
        defer { handler.close() }
        let (server, client, monitor) = try Self.plainPair(vtx)
        defer { server.close(); client.close() }
        let failed = try #require(monitor.next(.handshakeFailed, timeout: .seconds(10)))
        #expect(failed.error?.message.contains("201") == true, "\(failed)")
    }

    /// A handler that never answers: the handshake times out (here after 1 s) and only that connection is
    /// dropped; a NULL pair in the same manager keeps working meanwhile.
    @Test func silentHandlerTimesOutOneConnection() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let handler = try Self.startHandler(vtx, answer: nil)
        defer { handler.close() }
        let (server, client, monitor) = try Self.plainPair(vtx, handshake: .seconds(1))
        defer { server.close(); client.close() }
        let pull = try vtx.socket(.pull)
        let push = try vtx.socket(.push)
        defer { pull.close(); push.close() }
        try pull.bind("tcp://127.0.0.1:*")
        try push.connect(try #require(pull.lastEndpoint))
        try push.send("still here")
        #expect(try pull.receive(timeout: .seconds(10)).frameBytes == [utf8("still here")])
        let failed = try #require(monitor.next(.handshakeFailed, timeout: .seconds(10)))
        #expect(failed.error?.code == .timedOut || failed.error?.code == .authenticationFailed, "\(failed)")
    }

    /// The handler's user id and metadata become properties of every message from the peer.
    @Test func userIdAndMetadataReachMessages() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        var metadata = ByteBuffer()
        metadata.writeInteger(UInt8(5))
        metadata.writeString("X-Org")
        metadata.writeInteger(UInt32(4))
        metadata.writeString("acme")
        let handler = try Self.startHandler(
            vtx, answer: Message(["1.0", "1", "200", "OK", "user-1", Frame(metadata)])
        )
        defer { handler.close() }
        let (server, client, _) = try Self.plainPair(vtx)
        defer { server.close(); client.close() }
        try client.send("hello")
        let message = try server.receive(timeout: .seconds(10))
        #expect(message.property("User-Id") == "user-1")
        #expect(message.property("X-Org") == "acme")
    }

    /// A PLAIN client against a NULL server: the greetings name different mechanisms; both sides drop it.
    @Test func mechanismMismatch() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let server = try vtx.socket(.pull)
        let monitor = try server.monitor()
        try server.bind("tcp://127.0.0.1:*")
        let client = try vtx.socket(.push)
        client.plainUsername = "admin"
        client.reconnectInterval = nil
        let clientMonitor = try client.monitor()
        try client.connect(try #require(server.lastEndpoint))
        defer { server.close(); client.close() }
        let failed = try #require(monitor.next(.handshakeFailed, timeout: .seconds(10)))
        #expect(failed.error?.message.contains("PLAIN") == true, "\(failed)")
        #expect(clientMonitor.next(.handshakeFailed, timeout: .seconds(10)) != nil)
    }

    /// A PLAIN user name over 255 bytes fails the connect at once, in words.
    @Test func overlongUserNameFailsTheConnect() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let client = try vtx.socket(.push)
        defer { client.close() }
        client.plainUsername = String(repeating: "u", count: 300)
        #expect(throws: VTXError.invalidArgument) { try client.connect("tcp://127.0.0.1:9") }
    }
}
