import Foundation
import VTX
import VTXUDP

/// A manager with a udp driver the test can read statistics from, and sockets with timeouts so nothing hangs.
struct UDPHarness {
    let udp = UDPDriver()
    let vtx: VTX

    init() {
        vtx = VTX(drivers: ["udp": udp])
    }

    func socket(_ type: SocketType, timeout: Duration = .seconds(30)) throws -> Socket {
        let socket = try vtx.socket(type)
        socket.receiveTimeout = timeout
        socket.sendTimeout = timeout
        return socket
    }

    /// Binds `socket` to a free loopback port with `options` and returns the endpoint (with the same options) a
    /// peer connects to.
    func bind(_ socket: Socket, options: String = "") throws -> String {
        let query = options.isEmpty ? "" : "?\(options)"
        try socket.bind("udp://127.0.0.1:*\(query)")
        guard let endpoint = socket.lastEndpoint else { throw VTXError(.invalidState, "no lastEndpoint") }
        return endpoint + query
    }

    /// Binds `server`, connects `client`, and waits until the server has the peer attached.
    func join(_ server: Socket, _ client: Socket, options: String = "") throws {
        let events = try server.monitor()
        let endpoint = try bind(server, options: options)
        try client.connect(endpoint)
        guard events.next(.handshakeSucceeded, timeout: .seconds(10)) != nil else {
            throw VTXError(.timedOut, "the peer never attached over \(endpoint)")
        }
    }

    func finish(_ sockets: Socket...) {
        for socket in sockets { socket.close() }
        vtx.shutdown()
    }
}

/// Runs `body` on a thread of its own; the returned value is handed back through `result`.
func startThread(_ body: @escaping @Sendable () -> Void) -> Thread {
    let thread = Thread(block: body)
    thread.start()
    return thread
}
