import Dispatch
import Logging
import NIOCore
import NIOPosix
import Synchronization
import VTXCore

/// A ZMTP driver for any stream transport (TCP, Unix domain sockets, …), running on its own single-threaded
/// SwiftNIO event loop. A ``StreamTransport`` supplies the addresses; this class does the rest: listening,
/// accepting, connection attempts, and one `ZMTPEngine` per connection.
///
/// The socket rules are the core's: a connect gets its pipe when `DriverEndpoint.attachEarly(sink:)` says, keeps
/// it across connections and announces each new peer in it (the core then replays a subscriber's
/// subscriptions); when an attempt fails or a connection ends, the core's reconnect loop decides when to try again
/// and sends `DriverCommand.reconnect(_:)`. Accepted connections get a pipe when their handshake completes and
/// lose it when they end. After a protocol error a connect gives up (`DriverEvent.connectFailed(_:)`), as
/// libzmq's session does.
public final class StreamDriver: Driver, @unchecked Sendable {
    private let transport: any StreamTransport
    private let name: String
    private var group: MultiThreadedEventLoopGroup?
    private var loop: (any EventLoop)?
    private var logger = Logger(label: "vtx.stream")
    private let stopped = Atomic<Bool>(false)
    // Confined to `loop`.
    private var listeners: [EndpointID: Listener] = [:]
    private var connecters: [EndpointID: Connecter] = [:]
    /// Connections still sending what their closed socket queued (within its linger); shutdown waits for them.
    private var lingering: [EndpointID: EventLoopFuture<Void>] = [:]

    /// Makes a driver for `transport`; `name` labels its thread.
    public init(transport: any StreamTransport, name: String) {
        self.transport = transport
        self.name = name
    }

    /// The transport's capabilities.
    public var capabilities: DriverCapabilities { transport.capabilities }

    /// Starts the driver's event-loop thread.
    ///
    /// - Throws: `VTXError.Code.systemError` when the process is out of file descriptors.
    public func start(_ context: DriverContext) throws(VTXError) {
        logger = context.logger
        try checkDescriptorHeadroom()
        _ = StreamDriver.dispatchPrepared
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.group = group
        loop = group.next()
    }

    /// NIO stops the process when its event-loop thread cannot make its own descriptors (an epoll instance, an
    /// eventfd and a timerfd), and so does libdispatch (see ``dispatchPrepared``), so check first that the
    /// process has room for both and fail the start with an error instead. Another thread can still take the last
    /// descriptors between the check and the loop's start; this catches the common case, a process already at its
    /// limit.
    private func checkDescriptorHeadroom() throws(VTXError) {
        var reserved: [Int32] = []
        defer { for fd in reserved { close(fd) } }
        for _ in 0..<8 {
            let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw VTXError.fromErrno(errno, doing: "starting the \(name) event loop") }
            reserved.append(fd)
        }
    }

    /// NIO's graceful shutdown completes on a Dispatch queue, and libdispatch stops the process when the first
    /// of its worker threads cannot make the descriptors of its event loop; a process that reached its descriptor
    /// limit while it ran then crashed in `shutdown()`. Reading this starts one worker (once per process), right
    /// after the headroom check, so that libdispatch sets its descriptors up while there is room.
    private static let dispatchPrepared: Void = {
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { done.signal() }
        done.wait()
    }()

    /// Validates the command's address and security settings at once (so a malformed endpoint or an unusable
    /// mechanism fails the call), then carries the command
    /// out on the event loop.
    public func handle(_ command: DriverCommand) {
        switch command {
        case .bind(let endpoint):
            do {
                try transport.validate(endpoint.endpoint, role: .bind)
                try MechanismFactory.validate(endpoint.options.security, socketType: endpoint.socketType)
            } catch {
                endpoint.report(.bindFailed(error))
                return
            }
        case .connect(let endpoint):
            do {
                try transport.validate(endpoint.endpoint, role: .connect)
                try MechanismFactory.validate(endpoint.options.security, socketType: endpoint.socketType)
            } catch {
                endpoint.report(.connectFailed(error))
                return
            }
        case .unbind, .disconnect, .reconnect:
            break
        }
        // After shutdown the core answers for the driver.
        guard let loop, !stopped.load(ordering: .acquiring) else { return }
        loop.execute { [self] in
            switch command {
            case .bind(let endpoint): bind(endpoint, on: loop)
            case .connect(let endpoint): connect(endpoint, on: loop)
            case .reconnect(let endpoint): connecters[endpoint.id]?.attemptConnect()
            case .unbind(let endpoint): unbind(endpoint)
            case .disconnect(let endpoint): disconnect(endpoint)
            }
        }
    }

    /// Closes every listener and connection (sending what sockets queued, within each endpoint's linger) and
    /// stops the event loop.
    public func shutdown() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing), let loop, let group else { return }
        let closed = loop.flatSubmit { [self] () -> EventLoopFuture<Void> in
            var futures: [EventLoopFuture<Void>] = []
            for listener in listeners.values { futures.append(listener.close(linger: listener.endpoint.options.linger)) }
            for connecter in connecters.values { futures.append(connecter.stop(linger: connecter.endpoint.options.linger)) }
            futures.append(contentsOf: lingering.values)
            listeners = [:]
            connecters = [:]
            lingering = [:]
            return EventLoopFuture.andAllComplete(futures, on: loop)
        }
        _ = try? closed.wait()
        try? group.syncShutdownGracefully()
    }

    // MARK: Binding

    private func bind(_ endpoint: DriverEndpoint, on loop: any EventLoop) {
        let descriptor: NIOBSDSocket.Handle?
        var address: SocketAddress?
        do {
            descriptor = try transport.makeListeningSocket(for: endpoint.endpoint)
            if descriptor == nil { address = try transport.bindAddress(for: endpoint.endpoint) }
        } catch {
            endpoint.report(.bindFailed(error))
            return
        }
        let listener = Listener(endpoint: endpoint, transport: transport, loop: loop, logger: logger)
        listeners[endpoint.id] = listener
        let transport = self.transport
        let logger = self.logger
        let bootstrap = ServerBootstrap(group: loop)
            .serverChannelOption(.backlog, value: 100)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { child in
                let peer = transport.endpointDescription(for: child.remoteAddress, endpoint: endpoint.endpoint)
                let engine = ZMTPEngine(
                    endpoint: endpoint,
                    role: .accepted,
                    peerAddress: peer,
                    pipe: nil,
                    bridge: PipeBridge(loop: child.eventLoop),
                    owner: listener,
                    logger: logger
                )
                listener.track(engine, channel: child)
                return transport.configure(child, for: endpoint).flatMapThrowing {
                    try child.pipeline.syncOperations.addHandler(engine)
                }
            }
        let requested = address
        let bound = descriptor.map { bootstrap.withBoundSocket($0) } ?? bootstrap.bind(to: requested!)
        bound
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    listener.channel = channel
                    listener.boundAddress = channel.localAddress ?? requested
                    guard listeners[endpoint.id] === listener else {
                        // Unbound (or shut down) while binding.
                        channel.close(promise: nil)
                        return
                    }
                    endpoint.report(.listening(listener.boundAddress.map {
                        transport.endpointDescription(for: $0, endpoint: endpoint.endpoint)
                    } ?? endpoint.endpoint.description))
                case .failure(let error):
                    listeners[endpoint.id] = nil
                    endpoint.report(.bindFailed(VTXError.fromSystem(error, doing: "binding \(endpoint.endpoint)")))
                }
            }
    }

    private func unbind(_ endpoint: DriverEndpoint) {
        guard let listener = listeners.removeValue(forKey: endpoint.id) else { return }
        linger(listener.close(linger: endpoint.options.linger), for: endpoint)
    }

    /// Remembers a closing endpoint's future until it completes, so that shutdown waits for its flush.
    private func linger(_ closing: EventLoopFuture<Void>, for endpoint: DriverEndpoint) {
        lingering[endpoint.id] = closing
        closing.whenComplete { [self] _ in lingering[endpoint.id] = nil }
    }

    // MARK: Connecting

    private func connect(_ endpoint: DriverEndpoint, on loop: any EventLoop) {
        let connecter = Connecter(endpoint: endpoint, transport: transport, loop: loop, logger: logger)
        connecters[endpoint.id] = connecter
        connecter.start()
    }

    private func disconnect(_ endpoint: DriverEndpoint) {
        guard let connecter = connecters.removeValue(forKey: endpoint.id) else { return }
        linger(connecter.stop(linger: endpoint.options.linger), for: endpoint)
    }
}

/// One bound endpoint: its listening channel and the connections accepted through it. Confined to the loop.
final class Listener: ZMTPEngineOwner, @unchecked Sendable {
    let endpoint: DriverEndpoint
    let transport: any StreamTransport
    let loop: any EventLoop
    let logger: Logger
    var channel: (any Channel)?
    var boundAddress: SocketAddress?
    private var connections: [ObjectIdentifier: (engine: ZMTPEngine, channel: any Channel)] = [:]
    private var closed = false

    init(endpoint: DriverEndpoint, transport: any StreamTransport, loop: any EventLoop, logger: Logger) {
        self.endpoint = endpoint
        self.transport = transport
        self.loop = loop
        self.logger = logger
    }

    func track(_ engine: ZMTPEngine, channel: any Channel) {
        if closed {
            channel.close(promise: nil)
            return
        }
        connections[ObjectIdentifier(engine)] = (engine, channel)
    }

    func engineDidClose(_ engine: ZMTPEngine) {
        connections[ObjectIdentifier(engine)] = nil
    }

    /// Stops listening and closes the accepted connections (libzmq's unbind does both), each after sending what
    /// its socket queued, within `linger`.
    func close(linger: Duration?) -> EventLoopFuture<Void> {
        closed = true
        var futures: [EventLoopFuture<Void>] = []
        if let channel {
            futures.append(channel.close())
            let address = boundAddress
            let endpoint = self.endpoint
            let transport = self.transport
            channel.closeFuture.whenComplete { _ in
                if let address { transport.listenerClosed(at: address, endpoint: endpoint.endpoint) }
                endpoint.report(.closed)
            }
        }
        for (engine, channel) in connections.values {
            engine.closeGracefully(linger: linger)
            futures.append(channel.closeFuture)
        }
        if channel == nil { endpoint.report(.closed) }
        return EventLoopFuture.andAllComplete(futures.map { $0.recover { _ in } }, on: loop)
    }
}

/// One connect: it keeps the pipe across connections and makes an attempt when told to (the core's reconnect loop
/// sends `DriverCommand.reconnect(_:)`). Confined to the loop.
final class Connecter: ZMTPEngineOwner, @unchecked Sendable {
    let endpoint: DriverEndpoint
    private let transport: any StreamTransport
    private let loop: any EventLoop
    private let logger: Logger
    private let bridge: PipeBridge
    private var pipe: MessagePipe?
    private var channel: (any Channel)?
    private var engine: ZMTPEngine?
    private var stopped = false
    /// Set by ``stop(linger:)`` while a connection attempt is in flight: that connection, when it comes, still
    /// sends what the socket queued (within `linger`), and the stop completes when it has closed.
    private var stopLinger: Duration?
    private var pendingStop: EventLoopPromise<Void>?

    init(endpoint: DriverEndpoint, transport: any StreamTransport, loop: any EventLoop, logger: Logger) {
        self.endpoint = endpoint
        self.transport = transport
        self.loop = loop
        self.logger = logger
        self.bridge = PipeBridge(loop: loop)
    }

    /// Makes the pipe when the core's rule says so, answers the socket, and connects.
    func start() {
        do {
            pipe = try endpoint.attachEarly(sink: bridge)
        } catch {
            endpoint.report(.connectFailed(error))
            stopped = true
            return
        }
        endpoint.report(.connecting)
        attemptConnect()
    }

    /// Makes one connection attempt, unless stopped or connected; the core is told how it ends.
    func attemptConnect() {
        guard !stopped, engine == nil else { return }
        let descriptor: NIOBSDSocket.Handle?
        var address: SocketAddress?
        do {
            descriptor = try transport.makeConnectedSocket(for: endpoint.endpoint)
            if descriptor == nil { address = try transport.connectAddress(for: endpoint.endpoint) }
        } catch {
            endpoint.report(.connectAttemptFailed(error))
            return
        }
        let peer = transport.endpointDescription(for: address, endpoint: endpoint.endpoint)
        let engine = ZMTPEngine(
            endpoint: endpoint,
            role: .connected,
            peerAddress: peer,
            pipe: pipe,
            bridge: bridge,
            owner: self,
            logger: logger
        )
        self.engine = engine
        endpoint.report(.connectDelayed)
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { [transport, endpoint] channel in
                transport.configure(channel, for: endpoint).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(engine)
                }
            }
        let connected = descriptor.map { bootstrap.withConnectedSocket($0) } ?? bootstrap.connect(to: address!)
        connected
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    self.channel = channel
                    if stopped {
                        // The socket closed while we were connecting: deliver what it queued, then close. The stop
                        // completes with the channel (the connecter itself may be gone by then).
                        if let promise = pendingStop {
                            pendingStop = nil
                            channel.closeFuture.whenComplete { _ in promise.succeed() }
                        }
                        engine.closeGracefully(linger: stopLinger)
                    }
                case .failure(let error):
                    if self.engine === engine { self.engine = nil }
                    if stopped {
                        pendingStop?.succeed()
                        pendingStop = nil
                        return
                    }
                    endpoint.report(.connectAttemptFailed(VTXError.fromSystem(error, doing: "connecting to \(endpoint.endpoint)")))
                }
            }
    }

    /// The engine has reported `disconnected` (the core schedules the next attempt); after a protocol error the
    /// connect gives up instead, as libzmq's session does.
    func engineDidClose(_ engine: ZMTPEngine) {
        guard self.engine === engine else { return }
        self.engine = nil
        channel = nil
        guard !stopped, engine.failedOnProtocol, let failure = engine.failure else { return }
        stopped = true
        pipe?.close()
        endpoint.report(.connectFailed(failure))
    }

    /// Stops connecting; the current connection (or one still being made) closes after sending what the socket
    /// queued, within `linger`. The future completes when it has closed.
    func stop(linger: Duration?) -> EventLoopFuture<Void> {
        stopped = true
        stopLinger = linger
        pipe?.close()
        endpoint.report(.closed)
        if let engine, let channel {
            engine.closeGracefully(linger: linger)
            return channel.closeFuture.recover { _ in }
        }
        if engine != nil {
            // A connection attempt is in flight: its completion finishes the stop (see `attemptConnect`).
            let promise = loop.makePromise(of: Void.self)
            pendingStop = promise
            return promise.futureResult
        }
        return loop.makeSucceededVoidFuture()
    }
}
