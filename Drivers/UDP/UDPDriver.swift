#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore
import NIOPosix
import Synchronization
import VTXCore

/// The `udp://` driver: VTX's reliable datagram protocol (`docs/udp-protocol.md`) on one SwiftNIO event loop of
/// its own, with broadcast discovery (`connect udp://*:PORT`).
///
/// Each remote peer is attached to its socket like a tcp connection, so routing, load balancing, subscriptions
/// (carried as ordinary messages) and high-water marks are the core's. Messages travel reliably (ordered,
/// acknowledged, retransmitted) or best-effort (PUB and XPUB by default), per endpoint. Endpoints:
/// - bind `udp://*:PORT`, `udp://ADDRESS:PORT`, `udp://[::1]:PORT` (`*` or `0` as the port picks a free one);
/// - connect `udp://HOST:PORT`, or `udp://*:PORT` to broadcast OPEN and latch onto the first peer that answers;
/// - options after `?`: see ``UDPOptions``.
public final class UDPDriver: Driver {
    private struct Runtime: Sendable {
        let group: MultiThreadedEventLoopGroup
        let engine: NIOLoopBoundBox<UDPEngine>
        var loop: any EventLoop { engine.eventLoop }
    }

    private let runtime = Mutex<Runtime?>(nil)
    /// What the driver counted: traffic, retransmissions, best-effort losses, dropped datagrams by reason.
    public let statistics = UDPStatistics()

    /// Makes the driver; the manager starts it when it is registered.
    public init() {}

    /// Datagrams: reliable and ordered in the default mode, with broadcast discovery, messages up to 64 MiB.
    public var capabilities: DriverCapabilities {
        DriverCapabilities(
            kind: .datagram, isReliable: true, isOrdered: true, supportsBroadcast: true,
            maxMessageSize: UDPOptions.messageSizeLimit)
    }

    /// Starts the driver's event-loop thread.
    ///
    /// - Throws: `VTXError.Code.systemError` when the process has no descriptors left for the event loop (NIO
    ///   would stop the process instead of failing).
    public func start(_ context: DriverContext) throws(VTXError) {
        var reserved: [Int32] = []
        defer { for fd in reserved { close(fd) } }
        for _ in 0..<8 {
            let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw VTXError.fromErrno(errno, doing: "starting the udp event loop") }
            reserved.append(fd)
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let engine = NIOLoopBoundBox.makeBoxSendingValue(
            UDPEngine(loop: loop, logger: context.logger, statistics: statistics), as: UDPEngine.self,
            eventLoop: loop)
        runtime.withLock { $0 = Runtime(group: group, engine: engine) }
    }

    /// Checks the address at once (a malformed endpoint fails the call itself) and carries the command out on
    /// the event loop.
    public func handle(_ command: DriverCommand) {
        guard let runtime = runtime.withLock({ $0 }) else { return }
        let engine = runtime.engine
        runtime.loop.execute { engine.value.handle(command) }
    }

    /// Closes every endpoint and connection, each after sending what its closed socket queued (within the socket's
    /// linger, and at most 30 seconds in all), and stops the event loop.
    public func shutdown() {
        guard let runtime = runtime.withLock({ state -> Runtime? in
            defer { state = nil }
            return state
        }) else { return }
        let engine = runtime.engine
        let loop = runtime.loop
        let done = loop.makePromise(of: Void.self)
        loop.execute { engine.value.shutdown(deadline: .now() + .seconds(30), done: done) }
        try? done.futureResult.wait()
        try? runtime.group.syncShutdownGracefully()
    }
}
