import Foundation
import VTXCore

/// The manager and sockets of one running check, with the assertions the checks are written in. Used by the
/// check's thread only (and by the threads a check starts, which it joins before using a socket again).
final class ConformanceSession {
    let check: DriverConformance.Check
    let conformance: DriverConformance
    let vtx: VTX
    private var sockets: [Socket] = []
    private var monitors: [ObjectIdentifier: SocketMonitor] = [:]
    private var names = 0

    init(check: DriverConformance.Check, conformance: DriverConformance, vtx: VTX) {
        self.check = check
        self.conformance = conformance
        self.vtx = vtx
    }

    /// How long one call waits for something that should happen.
    var timeout: Duration { conformance.operationTimeout }

    /// Whether the transport has `feature`.
    func has(_ feature: DriverConformance.Features) -> Bool {
        conformance.features.contains(feature)
    }

    /// Closes every socket the check made, then shuts the manager down.
    func finish() {
        for socket in sockets { socket.close() }
        sockets = []
        vtx.shutdown()
    }

    // MARK: Failures

    /// A failure of this check.
    func failure(_ expected: String, _ actual: String) -> ConformanceFailure {
        ConformanceFailure(check: check, scheme: conformance.scheme, expected: expected, actual: actual)
    }

    /// Fails with `expected` and `actual` unless `condition` holds.
    func expect(
        _ condition: Bool,
        _ expected: @autoclosure () -> String,
        _ actual: @autoclosure () -> String
    ) throws(ConformanceFailure) {
        if !condition { throw failure(expected(), actual()) }
    }

    /// Runs a socket call that should succeed; its error fails the check, saying what the call was for.
    @discardableResult
    func attempt<T>(_ what: @autoclosure () -> String, _ body: () throws(VTXError) -> T) throws(ConformanceFailure) -> T {
        do {
            return try body()
        } catch {
            throw failure(what(), "it threw \(error)")
        }
    }

    /// The error a socket call throws, or `nil` when it succeeds.
    func error(_ body: () throws(VTXError) -> Void) -> VTXError? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }

    // MARK: Sockets and endpoints

    /// A socket whose blocking calls give up after ``timeout``, closed when the check ends.
    func socket(_ type: SocketType) throws(ConformanceFailure) -> Socket {
        let socket = try attempt("the manager to make a \(type) socket") { () throws(VTXError) in try vtx.socket(type) }
        socket.sendTimeout = timeout
        socket.receiveTimeout = timeout
        sockets.append(socket)
        return socket
    }

    /// Closes a socket before the check ends.
    func close(_ socket: Socket) {
        socket.close()
        sockets.removeAll { $0 === socket }
    }

    /// Leaves a socket a stuck thread may still be using open when the check ends (closing it would race).
    func abandon(_ socket: Socket) {
        sockets.removeAll { $0 === socket }
    }

    /// A name unique in the process, for ``DriverConformance/makeBindEndpoint``.
    func uniqueName() -> String {
        names += 1
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(check.rawValue.prefix(16))-\(tag)-\(names)"
    }

    /// Binds `socket` to a fresh endpoint, watching its monitor for peers, and returns the resolved endpoint.
    func bind(_ socket: Socket) throws(ConformanceFailure) -> String {
        let endpoint = conformance.makeBindEndpoint(uniqueName())
        try bind(socket, to: endpoint)
        return try attempt("a bound socket to have a lastEndpoint") { () throws(VTXError) in
            guard let resolved = socket.lastEndpoint else { throw VTXError(.endpointNotFound, "lastEndpoint is nil") }
            return resolved
        }
    }

    /// Binds `socket` to `endpoint`, watching its monitor for peers. A just-closed socket's address may still be
    /// held for a moment (its listener closes on the driver's thread): `addressInUse` is retried until
    /// ``timeout``.
    func bind(_ socket: Socket, to endpoint: String) throws(ConformanceFailure) {
        let monitor = try attempt("\(socket.type) to make a monitor") { () throws(VTXError) in try socket.monitor() }
        monitors[ObjectIdentifier(socket)] = monitor
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                try socket.bind(endpoint)
                return
            } catch where error.code == .addressInUse && ContinuousClock.now < deadline {
                _ = monitor.next(timeout: .milliseconds(10))  // a bounded pause between attempts
            } catch {
                throw failure("\(socket.type) to bind \(endpoint)", "bind threw \(error)")
            }
        }
    }

    /// Connects `socket` to `endpoint`.
    func connect(_ socket: Socket, to endpoint: String) throws(ConformanceFailure) {
        try attempt("\(socket.type) to connect to \(endpoint)") { () throws(VTXError) in try socket.connect(endpoint) }
    }

    /// The event that says a binding socket has a peer attached.
    var peerReadyEvent: MonitorEvent.Kind {
        has(.handshake) ? .handshakeSucceeded : .accepted
    }

    /// The monitor made when `socket` was bound by ``bind(_:)`` or ``bind(_:to:)``.
    func monitor(of socket: Socket) -> SocketMonitor {
        guard let monitor = monitors[ObjectIdentifier(socket)] else {
            preconditionFailure("only sockets bound by the session have a monitor")
        }
        return monitor
    }

    /// Waits until `count` more peers are attached to `binder` (bound with ``bind(_:)``).
    func awaitPeers(of binder: Socket, count: Int = 1) throws(ConformanceFailure) {
        let monitor = monitor(of: binder)
        for index in 0..<count {
            let ready = monitor.next(peerReadyEvent, timeout: timeout)
            try expect(
                ready != nil,
                "\(binder.type) to report '\(peerReadyEvent)' for each of \(count) connecting peers within \(timeout)",
                "only \(index) came"
            )
        }
    }

    /// Binds `binder`, connects every one of `connectors` to it, and waits until all are attached.
    @discardableResult
    func join(_ binder: Socket, _ connectors: [Socket]) throws(ConformanceFailure) -> String {
        let endpoint = try bind(binder)
        for connector in connectors { try connect(connector, to: endpoint) }
        try awaitPeers(of: binder, count: connectors.count)
        return endpoint
    }

    /// Makes `count` sockets of `type`, binds each and connects `connector` to all of them, in order, and waits
    /// until each has its peer; returns them.
    func fanOut(_ connector: Socket, to count: Int, of type: SocketType) throws(ConformanceFailure) -> [Socket] {
        var binders: [Socket] = []
        for _ in 0..<count {
            let binder = try socket(type)
            try connect(connector, to: try bind(binder))
            try awaitPeers(of: binder)
            binders.append(binder)
        }
        return binders
    }

    // MARK: Traffic

    /// Sends a message that should be accepted within ``timeout``.
    func send(_ socket: Socket, _ message: Message, _ what: @autoclosure () -> String = "") throws(ConformanceFailure) {
        let purpose = what()
        try attempt("\(socket.type) to send \(message)\(purpose.isEmpty ? "" : " (\(purpose))")") { () throws(VTXError) in
            try socket.send(message)
        }
    }

    /// Receives a message that should arrive within ``timeout``.
    func receive(_ socket: Socket, _ what: @autoclosure () -> String) throws(ConformanceFailure) -> Message {
        try attempt("\(what()) within \(timeout)") { () throws(VTXError) in try socket.receive() }
    }

    /// Receives a message and fails unless its frames are `expected`, as UTF-8 text.
    func receive(_ socket: Socket, expecting expected: [String], _ what: @autoclosure () -> String) throws(ConformanceFailure) {
        let description = what()
        let message = try receive(socket, description)
        try expect(message.texts == expected, "\(description): \(expected)", "got \(message.texts)")
    }

    /// A message received within `window`, or `nil`.
    func receive(_ socket: Socket, within window: Duration) throws(ConformanceFailure) -> Message? {
        do {
            return try socket.receive(timeout: window)
        } catch where error.code == .timedOut {
            return nil
        } catch {
            throw failure("\(socket.type) to receive or time out", "receive threw \(error)")
        }
    }

    /// Fails when `socket` receives anything within `window` (a check that something does *not* arrive has to
    /// wait a little; callers first wait for an event that says it would have arrived by now).
    func expectNothing(_ socket: Socket, within window: Duration = .milliseconds(100), _ what: @autoclosure () -> String) throws(ConformanceFailure) {
        if let message = try receive(socket, within: window) {
            throw failure(what(), "\(socket.type) received \(message)")
        }
    }

    /// Calls `body` until it returns `true`, at most `attempts` times and until ``timeout``, pausing a millisecond
    /// after each `false`; fails with `expected` otherwise.
    func poll(
        _ expected: @autoclosure () -> String,
        attempts: Int = 5000,
        _ body: () throws(ConformanceFailure) -> Bool
    ) throws(ConformanceFailure) {
        let deadline = ContinuousClock.now + timeout
        var made = 0
        while made < attempts && ContinuousClock.now < deadline {
            made += 1
            if try body() { return }
            Thread.sleep(forTimeInterval: 0.001)
        }
        throw failure("\(expected()) within \(timeout)", "it had not after \(made) attempts")
    }
}

extension Message {
    /// The frames as UTF-8 text (or their description), for comparisons and reports.
    var texts: [String] { map { $0.string ?? $0.description } }
}
