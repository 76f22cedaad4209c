import Foundation
import Testing
import VTX
import VTXTLS
import VTXTestSupport

/// The test certificates in `Fixtures/` (see its README): `ca`, `server`, `client`, and the unrelated `other-*`.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    /// The path of a fixture file, such as `server.pem`.
    static func path(_ file: String) -> String { directory + "/" + file }

    /// A configuration presenting `certificate` (with its key) and trusting `trust`.
    static func configuration(
        certificate: String? = nil,
        trust: String? = "ca",
        requireClientCertificate: Bool = false,
        serverName: String? = nil
    ) throws -> TLSDriver.Configuration {
        try TLSDriver.Configuration(
            certificateFile: certificate.map { path("\($0).pem") },
            privateKeyFile: certificate.map { path("\($0)-key.pem") },
            trustFile: trust.map { path("\($0).pem") },
            requireClientCertificate: requireClientCertificate,
            serverName: serverName
        )
    }
}

/// One side of a TLS test: a manager with a `tls` driver of its own configuration, and sockets with 5 s
/// timeouts, a short linger and fast reconnects. ``finish()`` closes everything.
final class TLSSide {
    let vtx = VTX()
    private var sockets: [Socket] = []

    init(_ configuration: TLSDriver.Configuration) throws {
        try vtx.register(TLSDriver(configuration: configuration), for: "tls")
    }

    /// A server presenting `certificate`, trusting `ca` for client certificates.
    static func server(
        certificate: String = "server",
        requireClientCertificate: Bool = false
    ) throws -> TLSSide {
        try TLSSide(Fixture.configuration(certificate: certificate, requireClientCertificate: requireClientCertificate))
    }

    /// A client trusting `trust`, presenting `certificate` when given.
    static func client(trust: String = "ca", certificate: String? = nil, serverName: String? = nil) throws -> TLSSide {
        try TLSSide(Fixture.configuration(certificate: certificate, trust: trust, serverName: serverName))
    }

    func socket(_ type: SocketType) throws -> Socket {
        let socket = try vtx.socket(type)
        socket.sendTimeout = .seconds(5)
        socket.receiveTimeout = .seconds(5)
        socket.linger = .milliseconds(200)
        socket.reconnectInterval = .milliseconds(50)
        sockets.append(socket)
        return socket
    }

    /// A socket bound to a fresh loopback tls endpoint; returns it with the endpoint it reports.
    func bound(_ type: SocketType, _ address: String = "tls://127.0.0.1:*") throws -> (Socket, String) {
        let socket = try self.socket(type)
        try socket.bind(address)
        return (socket, try #require(socket.lastEndpoint))
    }

    func finish() {
        for socket in sockets { socket.close() }
        vtx.shutdown()
    }
}

extension SocketMonitor {
    /// The next event of `kind` within `timeout` (others are skipped), waited for on a thread of its own.
    func event(_ kind: MonitorEvent.Kind, timeout: Duration = .seconds(10)) async -> MonitorEvent? {
        (try? await onOwnThread { [self] in next(kind, timeout: timeout) }) ?? nil
    }

    /// The next `handshakeFailed` event's error, failing the test when none comes within `timeout`.
    func handshakeFailure(timeout: Duration = .seconds(10)) async throws -> VTXError {
        let event = try #require(await event(.handshakeFailed, timeout: timeout), "no handshakeFailed event")
        return try #require(event.error, "a handshakeFailed event without an error")
    }
}

/// Checks that no message arrives at `socket` within 100 ms.
func expectNothingArrives(at socket: Socket, sourceLocation: SourceLocation = #_sourceLocation) async {
    let saved = socket.receiveTimeout
    socket.receiveTimeout = .milliseconds(100)
    defer { socket.receiveTimeout = saved }
    await #expect(throws: VTXError.timedOut, sourceLocation: sourceLocation) { _ = try await socket.receive() }
}

/// A port on 127.0.0.1 that was free a moment ago (for stunnel, which needs a number). Throws rather than records
/// an issue, since it runs on a thread of its own.
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ChildFailure(description: "socket() failed: errno \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard bound else { throw ChildFailure(description: "cannot bind 127.0.0.1:0: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The port of a `scheme://HOST:PORT` endpoint.
func port(of endpoint: String) throws -> Int {
    try #require(endpoint.split(separator: ":").last.flatMap { Int($0) }, "no port in \(endpoint)")
}
