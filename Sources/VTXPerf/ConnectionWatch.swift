import VTX

/// Waits, before a shutdown, until a socket's connects have made their connections.
///
/// `VTX.shutdown()` flushes what a socket queued through connections that exist, but a connect whose connection is
/// still being made (or retried) when the manager shuts down drops what was queued for it: `seq 3 | vtx cat --type
/// push --connect tcp://…` would lose its three messages about half the time, and `remote-thr` with a COUNT below the
/// high-water mark would leave `local-thr` waiting. libzmq's default linger waits for the connection instead. Until
/// the core does that, a sender that connects watches its handshakes and waits for them before shutting down.
/// Use it from the socket's thread.
public final class ConnectionWatch {
    private let monitor: SocketMonitor
    private var connected: Set<String> = []

    /// Starts watching `socket`; make it before the socket connects.
    ///
    /// - Throws: as ``Socket/monitor(capacity:)``.
    public init(_ socket: Socket) throws(VTXError) {
        monitor = try socket.monitor()
    }

    /// Waits until every endpoint in `endpoints` (as given to `connect`) has completed a handshake, or `timeout`
    /// passes; returns those that have not.
    public func waitForHandshakes(on endpoints: [String], timeout: Duration) -> [String] {
        let deadline = ContinuousClock.now + timeout
        var missing = endpoints.filter { !connected.contains($0) }
        while !missing.isEmpty {
            let left = deadline - .now
            guard left > .zero, let event = monitor.next(timeout: left) else { break }
            if event.kind == .handshakeSucceeded { connected.insert(event.endpoint) }
            missing = endpoints.filter { !connected.contains($0) }
        }
        return missing
    }

    /// Waits until the socket loses a connection (the peer hung up), or `timeout` passes; returns whether it did.
    public func waitForDisconnection(timeout: Duration) -> Bool {
        monitor.next(.disconnected, timeout: timeout) != nil
    }
}
