import Logging
import Synchronization

/// The VTX manager, like a libzmq context: it makes sockets, keeps the registry of transport drivers, and shuts
/// everything down.
///
/// It is safe to use from any thread. `import VTX` and write `VTX()` to get a manager with the built-in drivers
/// registered; driver authors who import only `VTXCore` start from ``init(drivers:logger:)`` and ``register(_:for:replacingExisting:)``.
public final class VTX: Sendable {
    private struct State {
        var drivers: [String: DriverRegistration] = [:]
        /// Why the drivers given to ``init(drivers:logger:)`` that failed to start did so, by scheme.
        var startFailures: [String: VTXError] = [:]
        var sockets: [UInt64: SocketLink] = [:]
        /// The sockets bound at ``ZAPRequest/endpoint``.
        var zapHandlers: Set<UInt64> = []
        var isTerminated = false
        var driverAnswerTimeout: Duration = .seconds(10)
    }

    private let state = Locked(State())
    /// The metrics backend and the drivers' counters (`VTX+Metrics.swift`).
    let metricsSettings = Locked(MetricsSettings.fromMetricsSystem())
    private let nextSocketID = Atomic<UInt64>(0)
    private let nextEndpointID = Atomic<UInt64>(0)
    /// The logger given to sockets and drivers.
    public let logger: Logger
    /// The core's timer thread: it runs the reconnect loops of every connect (``ReconnectPolicy``), so that no
    /// driver keeps timers of its own for them. Started with the first connect.
    private let timer = DriverThread(name: "vtx.timer")

    /// How long `bind` and `connect` wait for a driver's first answer before they throw
    /// ``VTXError/Code/timedOut`` (10 seconds by default). A driver that never answers then gives its caller an
    /// error that names it instead of a hang; an answer that comes later is undone (the endpoint is unbound or
    /// disconnected).
    public var driverAnswerTimeout: Duration {
        get { state.withLock { $0.driverAnswerTimeout } }
        set { state.withLock { $0.driverAnswerTimeout = max(.zero, newValue) } }
    }

    /// Makes a manager and registers the given drivers, keyed by scheme (pass `[:]` for none).
    ///
    /// A driver that fails to start is logged and left out; call ``register(_:for:replacingExisting:)`` to get
    /// the error instead.
    public init(drivers: [String: any Driver], logger: Logger = Logger(label: "vtx")) {
        self.logger = logger
        for (scheme, driver) in drivers.sorted(by: { $0.key < $1.key }) {
            do {
                try register(driver, for: scheme)
            } catch {
                logger.error("could not start the '\(scheme)' driver: \(error)")
                state.withLock { $0.startFailures[scheme.lowercased()] = error }
            }
        }
    }

    deinit {
        shutdown()
    }

    // MARK: Sockets

    /// Makes a socket of the given type.
    ///
    /// - Throws: ``VTXError/Code/terminated`` after ``shutdown()``; ``VTXError/Code/systemError`` when the socket's
    ///   wake-up descriptor cannot be made (the process is out of file descriptors, as libzmq's `EMFILE`).
    public func socket(_ type: SocketType) throws(VTXError) -> Socket {
        let id = nextSocketID.add(1, ordering: .relaxed).newValue
        var socketLogger = logger
        socketLogger[metadataKey: "vtx-socket"] = "\(type.name)#\(id)"
        let socket = try Socket(type: type, id: id, manager: self, logger: socketLogger)
        (socket.metrics, socket.countsMessages) = makeSocketMetrics(socket: socket.description, type: type)
        let accepted = state.withLock { state -> Bool in
            guard !state.isTerminated else { return false }
            state.sockets[id] = socket.link
            return true
        }
        guard accepted else {
            socket.close()
            throw VTXError.terminated
        }
        return socket
    }

    func socketClosed(_ link: SocketLink) {
        state.withLock {
            $0.sockets.removeValue(forKey: link.id)
            $0.zapHandlers.remove(link.id)
        }
    }

    func zapHandlerChanged(_ socketID: UInt64, bound: Bool) {
        state.withLock {
            if bound { $0.zapHandlers.insert(socketID) } else { $0.zapHandlers.remove(socketID) }
        }
    }

    /// Whether a socket of this manager is bound at ``ZAPRequest/endpoint`` (a ZAP handler).
    public var hasZAPHandler: Bool { state.withLock { !$0.zapHandlers.isEmpty } }

    func makeEndpointID() -> EndpointID {
        EndpointID(rawValue: nextEndpointID.add(1, ordering: .relaxed).newValue)
    }

    // MARK: Drivers

    /// Registers a driver for a scheme and starts it.
    ///
    /// - Parameters:
    ///   - driver: the transport.
    ///   - scheme: the endpoint scheme it serves (letters, digits, `+`, `-`, `.`), such as `"loop"`.
    ///   - replacingExisting: replace (and shut down) a driver already registered for the scheme instead of failing.
    /// - Throws: ``VTXError/Code/duplicateTransport`` when the scheme is taken and `replacingExisting` is `false`,
    ///   ``VTXError/Code/invalidArgument`` for a malformed scheme, ``VTXError/Code/terminated`` after shutdown, or
    ///   the driver's own start error.
    public func register(_ driver: any Driver, for scheme: String, replacingExisting: Bool = false) throws(VTXError) {
        let scheme = scheme.lowercased()
        guard (try? Endpoint(parsing: "\(scheme)://x")) != nil else {
            throw VTXError(.invalidArgument, "'\(scheme)' is not a valid scheme (use letters, digits, '+', '-', '.')")
        }
        let taken = state.withLock { state -> Bool? in
            if state.isTerminated { return nil }
            return state.drivers[scheme] != nil
        }
        guard let taken else { throw VTXError.terminated }
        if taken && !replacingExisting {
            throw VTXError(.duplicateTransport, "a driver is already registered for '\(scheme)'; pass replacingExisting: true to replace it")
        }
        var driverLogger = logger
        driverLogger[metadataKey: "vtx-driver"] = "\(scheme)"
        try driver.start(DriverContext(scheme: scheme, logger: driverLogger))
        let (replaced, stillUsed, links) = state.withLock { state -> (DriverRegistration?, Bool, [SocketLink]) in
            let old = state.drivers[scheme]
            state.drivers[scheme] = DriverRegistration(driver: driver, scheme: scheme)
            state.startFailures[scheme] = nil
            let stillUsed = old.map { old in state.drivers.values.contains { $0.driver === old.driver } } ?? false
            return (old, stillUsed, Array(state.sockets.values))
        }
        guard let replaced else { return }
        replaced.markStopped()
        // Callers waiting for the replaced driver's answer learn that it stopped.
        for link in links { link.mailbox.push(.wakeUp) }
        if !stillUsed { replaced.driver.shutdown() }
    }

    /// The schemes with a registered driver, sorted.
    public var schemes: [String] {
        state.withLock { $0.drivers.keys.sorted() }
    }

    /// The capabilities of the driver registered for `scheme`, or `nil` when none is.
    public func capabilities(of scheme: String) -> DriverCapabilities? {
        registration(for: scheme.lowercased())?.driver.capabilities
    }

    func registration(for scheme: String) -> DriverRegistration? {
        state.withLock { $0.drivers[scheme] }
    }

    /// The core's timer thread, started on first use.
    ///
    /// - Throws: ``VTXError/Code/systemError`` when its wake-up descriptor cannot be made.
    func startTimer() throws(VTXError) -> DriverThread {
        try timer.start()
        return timer
    }

    /// Why the driver for `scheme` given at initialization did not start, if it did not.
    func startFailure(for scheme: String) -> VTXError? {
        state.withLock { $0.startFailures[scheme] }
    }

    // MARK: Shutdown

    /// Shuts the manager down, like libzmq's `zmq_ctx_term`: every blocked call on every socket returns
    /// ``VTXError/Code/terminated``, and so does every later call except `close`; each driver closes its
    /// endpoints (honouring linger for unsent data) and its thread is joined. Calling it twice does nothing.
    public func shutdown() {
        let (links, registrations) = state.withLock { state -> ([SocketLink], [DriverRegistration]) in
            guard !state.isTerminated else { return ([], []) }
            state.isTerminated = true
            return (Array(state.sockets.values), Array(state.drivers.values))
        }
        for link in links { link.terminate() }
        for registration in registrations { registration.markStopped() }
        var unique: [any Driver] = []
        for registration in registrations where !unique.contains(where: { $0 === registration.driver }) {
            unique.append(registration.driver)
        }
        for driver in unique { driver.shutdown() }
        timer.stop()
    }

    /// Whether ``shutdown()`` has been called.
    public var isTerminated: Bool {
        state.withLock { $0.isTerminated }
    }
}
