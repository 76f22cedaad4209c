import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Message and byte counts of one side of a ``Proxy`` (libzmq's `STATISTICS` reply, which counts frames).
public struct ProxySideStatistics: Sendable, Hashable {
    /// Frames received on this side.
    public var messagesIn: UInt64 = 0
    /// Bytes received on this side.
    public var bytesIn: UInt64 = 0
    /// Frames sent on this side.
    public var messagesOut: UInt64 = 0
    /// Bytes sent on this side.
    public var bytesOut: UInt64 = 0
}

/// Both sides' counts.
public struct ProxyStatistics: Sendable, Hashable {
    /// The frontend's counts.
    public var frontend = ProxySideStatistics()
    /// The backend's counts.
    public var backend = ProxySideStatistics()
}

/// Steers a running ``Proxy`` from any thread: pause, resume, terminate, read statistics
/// (libzmq's `zmq_proxy_steerable` control commands).
public final class ProxyControl: Sendable {
    private struct State {
        var paused = false
        var terminated = false
        var statistics = ProxyStatistics()
    }

    private let state = Locked(State())
    let signaler: Signaler

    /// Makes a control for one proxy.
    ///
    /// - Throws: ``VTXError/Code/systemError`` when its wake-up descriptor cannot be made (the process is out of
    ///   file descriptors).
    public init() throws(VTXError) {
        signaler = try Signaler()
    }

    /// Stops forwarding until ``resume()``; messages wait in the sockets' queues.
    public func pause() { update { $0.paused = true } }

    /// Resumes forwarding.
    public func resume() { update { $0.paused = false } }

    /// Makes ``Proxy/run()`` return.
    public func terminate() { update { $0.terminated = true } }

    /// The counts so far.
    public var statistics: ProxyStatistics { state.withLock { $0.statistics } }

    /// Whether the proxy is paused.
    public var isPaused: Bool { state.withLock { $0.paused } }

    private func update(_ body: (inout State) -> Void) {
        state.withLock { body(&$0) }
        signaler.signal()
    }

    var snapshot: (paused: Bool, terminated: Bool) {
        state.withLock { ($0.paused, $0.terminated) }
    }

    func record(_ body: (inout ProxyStatistics) -> Void) {
        state.withLock { body(&$0.statistics) }
    }
}

/// Forwards messages between a frontend and a backend socket, both ways, optionally copying every frame to a
/// capture socket (libzmq's `zmq_proxy`). Typical pairs: ROUTER/DEALER (a shared queue), XSUB/XPUB (a
/// forwarder), PULL/PUSH (a streamer).
public struct Proxy: Sendable {
    /// The socket facing clients.
    public let frontend: Socket
    /// The socket facing services.
    public let backend: Socket
    /// Where copies of all traffic go, if anywhere (PUB, DEALER, PUSH or PAIR).
    public let capture: Socket?
    /// The control that steers this proxy.
    public let control: ProxyControl

    /// The most messages forwarded in one direction before the other direction gets a turn.
    public static let burst = 1000

    /// Makes a proxy; frontend and backend may be the same socket.
    ///
    /// - Parameters:
    ///   - frontend: the socket facing clients (libzmq's `frontend`).
    ///   - backend: the socket facing services (libzmq's `backend`).
    ///   - capture: a socket that receives a copy of every message forwarded either way; `nil` for none.
    ///   - control: steers the proxy from other threads; `nil` makes one (read it from ``control``).
    /// - Throws: ``VTXError/Code/systemError`` when a control has to be made and its wake-up descriptor cannot be.
    public init(frontend: Socket, backend: Socket, capture: Socket? = nil, control: ProxyControl? = nil) throws(VTXError) {
        self.frontend = frontend
        self.backend = backend
        self.capture = capture
        if let control {
            self.control = control
        } else {
            self.control = try ProxyControl()
        }
    }

    /// Runs the proxy on the calling thread until ``ProxyControl/terminate()``.
    ///
    /// - Throws: ``VTXError/Code/terminated`` when the manager shuts down, ``VTXError/Code/socketClosed`` when a
    ///   socket is closed under it.
    public func run() throws(VTXError) {
        let sockets = frontend === backend ? [frontend] : [frontend, backend]
        while true {
            for socket in sockets { try socket.refreshState() }
            let (paused, terminated) = control.snapshot
            if terminated { return }
            var moved = false
            if !paused {
                moved = try forward(from: frontend, to: backend, fromFrontend: true) || moved
                if frontend !== backend {
                    moved = try forward(from: backend, to: frontend, fromFrontend: false) || moved
                }
            }
            if moved { continue }
            // Nothing to do: sleep until a socket's readiness or the control changes.
            control.signaler.reset()
            var descriptors = sockets.map { pollfd(fd: $0.fileDescriptor, events: Int16(POLLIN), revents: 0) }
            descriptors.append(pollfd(fd: control.signaler.fileDescriptor, events: Int16(POLLIN), revents: 0))
            let (stillPaused, nowTerminated) = control.snapshot
            if nowTerminated { return }
            if stillPaused == paused && !hasWork(paused: paused) {
                _ = poll(&descriptors, nfds_t(descriptors.count), -1)
            }
        }
    }

    private func hasWork(paused: Bool) -> Bool {
        guard !paused else { return false }
        return (frontend.isReadable && backend.isWritable) || (backend.isReadable && frontend.isWritable)
    }

    private func forward(from source: Socket, to destination: Socket, fromFrontend: Bool) throws(VTXError) -> Bool {
        var count = 0
        while count < Proxy.burst, source.isReadable, destination.isWritable {
            guard let message = try source.tryReceive() else { break }
            var frames: UInt64 = 0
            var bytes: UInt64 = 0
            for frame in message {
                frames += 1
                bytes += UInt64(frame.count)
            }
            // The capture gets every message whole; a capture that cannot keep up misses messages.
            if let capture { _ = try? capture.trySend(message) }
            // Count before sending, so that a peer that has seen the message also sees it counted.
            control.record { stats in
                if fromFrontend {
                    stats.frontend.messagesIn += frames
                    stats.frontend.bytesIn += bytes
                    stats.backend.messagesOut += frames
                    stats.backend.bytesOut += bytes
                } else {
                    stats.backend.messagesIn += frames
                    stats.backend.bytesIn += bytes
                    stats.frontend.messagesOut += frames
                    stats.frontend.bytesOut += bytes
                }
            }
            // The destination reported room; a send that still cannot proceed drops, as libzmq's would block.
            _ = try destination.trySend(message)
            count += 1
        }
        return count > 0
    }
}
