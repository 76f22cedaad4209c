import Foundation
import Testing
import VTX
import VTXTestSupport

/// The stream transports the interop tests cover.
enum InteropTransport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case tcp, ipc

    var testDescription: String { rawValue }

    /// A fresh endpoint to bind, which VTX and libzmq both accept; the real one is read back after the bind.
    func bindEndpoint() -> String {
        switch self {
        case .tcp: return "tcp://127.0.0.1:*"
        case .ipc: return "ipc:///tmp/vtx-interop-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        }
    }
}

/// Which side listens.
enum InteropDirection: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// The VTX socket binds and the libzmq peer connects.
    case vtxBinds
    /// The libzmq peer binds and the VTX socket connects.
    case libzmqBinds

    var testDescription: String { rawValue }
}

/// The VTX side of one interop test: a manager, its sockets and the libzmq peers it started, all torn down by
/// ``finish()``. Every socket has send and receive timeouts, so a lost message fails the test instead of hanging.
final class InteropHarness {
    let vtx = VTX()
    let transport: InteropTransport
    private var sockets: [Socket] = []
    private var peers: [LibzmqPeer] = []
    /// Socket files this test may have made (libzmq 4.3.4 leaves its own behind when it closes).
    private var socketFiles: [String] = []

    init(_ transport: InteropTransport) {
        self.transport = transport
    }

    /// A socket with 5 s send and receive timeouts and a linger of 1 s.
    func socket(_ type: SocketType, timeout: Duration = .seconds(5)) throws -> Socket {
        let socket = try vtx.socket(type)
        socket.sendTimeout = timeout
        socket.receiveTimeout = timeout
        socket.linger = .seconds(1)
        sockets.append(socket)
        return socket
    }

    /// A fresh endpoint to bind on this test's transport; ``finish()`` removes its socket file, if any.
    func bindEndpoint() -> String {
        let endpoint = transport.bindEndpoint()
        if endpoint.hasPrefix("ipc:///") { socketFiles.append(String(endpoint.dropFirst("ipc://".count))) }
        return endpoint
    }

    /// Starts a libzmq peer (see `zmq_peer.py`) that ``finish()`` will stop.
    func peer(_ arguments: [String]) throws -> LibzmqPeer {
        let peer = try LibzmqPeer(arguments)
        peers.append(peer)
        return peer
    }

    /// Joins `socket` with a new libzmq peer of `type`: per `direction` one binds and the other connects. Waits
    /// until VTX has completed the ZMTP handshake, checking the monitor events on the way (`accepted` or
    /// `connected`, then `handshakeSucceeded`).
    ///
    /// - Returns: the peer, and the socket's monitor (made before the bind or connect) for later events.
    func join(
        _ socket: Socket,
        _ direction: InteropDirection,
        peer type: String,
        _ arguments: [String] = []
    ) throws -> (LibzmqPeer, SocketMonitor) {
        let monitor = try socket.monitor()
        let peer: LibzmqPeer
        switch direction {
        case .vtxBinds:
            try socket.bind(bindEndpoint())
            peer = try self.peer(["--type", type, "--connect", try #require(socket.lastEndpoint)] + arguments)
        case .libzmqBinds:
            peer = try self.peer(["--type", type, "--bind", bindEndpoint()] + arguments)
            try socket.connect(try peer.endpoint)
        }
        try expectHandshake(on: monitor, direction)
        return (peer, monitor)
    }

    /// Waits for the monitor events of one new connection: `accepted` (VTX bound) or `connected` (VTX
    /// connected), then `handshakeSucceeded`.
    func expectHandshake(
        on monitor: SocketMonitor,
        _ direction: InteropDirection,
        timeout: Duration = .seconds(10)
    ) throws {
        let opening: MonitorEvent.Kind = direction == .vtxBinds ? .accepted : .connected
        let opened = monitor.next(opening, timeout: timeout)
        try #require(opened != nil, "VTX reported no \(opening) event for the libzmq peer over \(transport)")
        let handshake = monitor.next(.handshakeSucceeded, timeout: timeout)
        try #require(handshake != nil, "VTX reported no handshakeSucceeded with the libzmq peer over \(transport)")
    }

    /// Stops the peers, closes the sockets and shuts the manager down.
    func finish() {
        for peer in peers { peer.close() }
        for socket in sockets { socket.close() }
        vtx.shutdown()
        for path in socketFiles { unlink(path) }
    }
}

extension Message {
    /// The message built from frames of bytes.
    init(frameBytes: [[UInt8]]) {
        self.init(frameBytes.map { Frame($0) })
    }

    /// The frames as bytes.
    var frameBytes: [[UInt8]] { map(\.bytes) }
}

extension LibzmqPeer {
    /// Asks a `--stdin` peer to send `frames`.
    func send(_ frames: [[UInt8]]) throws {
        try run("send " + PeerHex.frames(frames))
        try expect("SENT")
    }
}

/// UTF-8 bytes, for writing frames briefly.
func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }
