extension Socket {
    // MARK: Sending

    /// Sends a whole message, waiting up to ``sendTimeout`` (forever by default) while the pattern has no peer
    /// with room.
    ///
    /// - Throws: ``VTXError/Code/timedOut`` when the timeout passes, ``VTXError/Code/wouldBlock`` with a zero
    ///   timeout, ``VTXError/Code/notSupported`` on receive-only types, ``VTXError/Code/invalidState`` for a REQ
    ///   or REP out of turn, ``VTXError/Code/hostUnreachable`` for a ROUTER with ``routerMandatory``,
    ///   ``VTXError/Code/terminated`` or ``VTXError/Code/socketClosed``.
    public func send(_ message: consuming Message) throws(VTXError) {
        let timeout = options.sendTimeout
        try send(consume message, timeout: timeout)
    }

    /// Sends a message made of the given frames (see ``send(_:)-5eylc``).
    public func send(_ frames: Frame...) throws(VTXError) {
        try send(Message(frames), timeout: options.sendTimeout)
    }

    /// Sends a message, waiting up to `timeout` (`nil`: forever, `.zero`: not at all).
    ///
    /// - Throws: as ``send(_:)-5eylc``.
    public func send(_ message: consuming Message, timeout: Duration?) throws(VTXError) {
        try refreshState()
        // The message goes into the socket's `sendSlot` rather than a variable: once the pattern has moved it
        // out, the slot holds an empty message, which owns no reference and is left as it is, where a variable
        // would end with a destroy of it through the value witness (about 60 instructions on every send). A
        // message that was not sent, or that still holds a reference, is destroyed as usual.
        let slot = sendSlot
        slot.initialize(to: consume message)
        defer { if !slot.pointee.holdsNoReferences { slot.deinitialize(count: 1) } }
        try sendMoving(&slot.pointee, timeout: timeout)
    }

    /// Sends the message in `message`, moving it out (it is left empty) once a pattern has taken it.
    @inline(__always)
    private func sendMoving(_ message: inout Message, timeout: Duration?) throws(VTXError) {
        guard !message.isEmpty else {
            throw VTXError(.invalidArgument, "a message needs at least one frame")
        }
        if let outboundLimit { try check(message, against: outboundLimit) }
        if try sendToPattern(&message) { return }
        try sendWaiting(&message, timeout: timeout)
    }

    /// The rest of a send that found no peer with room: waits for one until `timeout`.
    @inline(never)
    private func sendWaiting(_ message: inout Message, timeout: Duration?) throws(VTXError) {
        if timeout == .zero { throw VTXError.wouldBlock }
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while true {
            try waitForCommands(until: deadline)
            if try sendToPattern(&message) { return }
        }
    }

    private func check(_ message: borrowing Message, against limit: (limit: Int, scheme: String)) throws(VTXError) {
        let size = message.byteCount
        guard size > limit.limit else { return }
        throw VTXError(
            .messageTooLarge,
            "a message of \(size) bytes is larger than the \(limit.limit) bytes the '\(limit.scheme)' transport carries"
        )
    }

    /// Sends a text as a one-frame message of its UTF-8 bytes (see ``send(_:)-5eylc``).
    ///
    /// - Throws: as ``send(_:)-5eylc``.
    public func send(_ text: some StringProtocol) throws(VTXError) {
        try send(Message(Frame(String(text))), timeout: options.sendTimeout)
    }

    @inline(__always)
    private func sendToPattern(_ message: inout Message) throws(VTXError) -> Bool {
        defer { finishDetaches() }
        guard countsMessages else { return try pattern.send(&message) }
        let bytes = message.byteCount
        guard try pattern.send(&message) else { return false }
        counters.messagesSent &+= 1
        counters.bytesSent &+= bytes
        return true
    }

    /// Sends a message if that can be done without waiting.
    ///
    /// - Returns: `false` when the socket would have to wait (no peer, or every peer at its high-water mark).
    /// - Throws: as ``send(_:)-5eylc``, except for timeouts.
    @discardableResult
    public func trySend(_ message: consuming Message) throws(VTXError) -> Bool {
        do {
            try send(consume message, timeout: .zero)
            return true
        } catch where error.code == .wouldBlock {
            return false
        }
    }

    // MARK: Receiving

    /// Receives a whole message, waiting up to ``receiveTimeout`` (forever by default).
    ///
    /// - Throws: ``VTXError/Code/timedOut``, ``VTXError/Code/wouldBlock`` with a zero timeout,
    ///   ``VTXError/Code/notSupported`` on send-only types, ``VTXError/Code/invalidState`` for a REQ or REP out
    ///   of turn, ``VTXError/Code/terminated`` or ``VTXError/Code/socketClosed``.
    public func receive() throws(VTXError) -> Message {
        try receive(timeout: options.receiveTimeout)
    }

    /// Receives a message, waiting up to `timeout` (`nil`: forever, `.zero`: not at all).
    ///
    /// - Throws: as ``receive()-xg6l``.
    public func receive(timeout: Duration?) throws(VTXError) -> Message {
        try refreshState()
        if let message = try receiveFromPattern() { return message }
        if timeout == .zero { throw VTXError.wouldBlock }
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while true {
            try waitForCommands(until: deadline)
            if let message = try receiveFromPattern() { return message }
        }
    }

    @inline(__always)
    private func receiveFromPattern() throws(VTXError) -> Message? {
        defer { finishDetaches() }
        guard countsMessages else { return try pattern.receive() }
        guard let message = try pattern.receive() else { return nil }
        counters.messagesReceived &+= 1
        counters.bytesReceived &+= message.byteCount
        return message
    }

    /// Receives a message if one is waiting.
    ///
    /// - Returns: the message, or `nil` when none is waiting.
    /// - Throws: as ``receive()-xg6l``, except for timeouts.
    public func tryReceive() throws(VTXError) -> Message? {
        do {
            return try receive(timeout: .zero)
        } catch where error.code == .wouldBlock {
            return nil
        }
    }

    /// Blocks until commands arrive (then processes them) or the deadline passes.
    private func waitForCommands(until deadline: ContinuousClock.Instant?) throws(VTXError) {
        var timeout: Int32 = -1
        if let deadline {
            let left = deadline - .now
            guard left > .zero else { throw VTXError.timedOut }
            timeout = Int32(clamping: left.milliseconds + 1)
        }
        publishMetrics()
        link.mailbox.wait(timeoutMilliseconds: timeout)
        processCommands()
        try checkOpen()
        try checkTerminated()
    }

    // MARK: Async twins

    /// Sends a whole message, suspending (not blocking the thread) while it cannot be sent; honours
    /// ``sendTimeout`` and task cancellation.
    ///
    /// - Throws: as ``send(_:)-5eylc``, and ``VTXError/Code/cancelled`` when the task is cancelled.
    public func send(_ message: Message) async throws(VTXError) {
        try await waitAsync(timeout: options.sendTimeout) { socket throws(VTXError) in
            try socket.trySend(message) ? () : nil
        }
    }

    /// Receives a whole message, suspending (not blocking the thread) until one arrives; honours
    /// ``receiveTimeout`` and task cancellation.
    ///
    /// - Throws: as ``receive()-xg6l``, and ``VTXError/Code/cancelled`` when the task is cancelled.
    public func receive() async throws(VTXError) -> Message {
        try await waitAsync(timeout: options.receiveTimeout) { socket throws(VTXError) in
            try socket.tryReceive()
        }
    }

    /// The longest timeout an `async` wait arms a timer for (10^9 seconds, about 31 years); a longer one waits
    /// without a timer, as if forever.
    static let longestTimedWait = Duration.seconds(1_000_000_000)

    private func waitAsync<T>(
        timeout: Duration?,
        _ attempt: (Socket) throws(VTXError) -> T?
    ) async throws(VTXError) -> T {
        if let value = try attempt(self) { return value }
        if timeout == .zero { throw VTXError.wouldBlock }
        let mailbox = link.mailbox
        // The timer sleeps until the very deadline the loop checks: a timer that slept for `timeout` from its own
        // start could wake a moment before a deadline taken later, find it not yet passed, and leave the loop
        // waiting with no wake-up to come (seen under load as a receive that never timed out).
        // A timeout beyond about 31 years has no timer: it never fires in practice, and the clock cannot sleep until
        // such a deadline (converting `now + .seconds(Int64.max)` to its seconds traps).
        let deadline = timeout.map { ContinuousClock.now + $0 }
        let timer: Task<Void, Never>? = deadline.flatMap { deadline in
            guard let timeout, timeout <= Socket.longestTimedWait else { return nil }
            return Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                mailbox.push(.wakeUp)
            }
        }
        defer { timer?.cancel() }
        while true {
            publishMetrics()
            await withTaskCancellationHandler {
                await mailbox.waitAsync()
            } onCancel: {
                mailbox.push(.wakeUp)
            }
            if Task.isCancelled { throw VTXError(.cancelled, "the task waiting on \(self) was cancelled") }
            if let value = try attempt(self) { return value }
            if let deadline, deadline <= .now { throw VTXError.timedOut }
        }
    }

    // MARK: Readiness

    /// Whether a message can be received now without waiting (libzmq's `ZMQ_POLLIN`).
    public var isReadable: Bool {
        guard !isClosed else { return false }
        processCommands()
        defer { finishDetaches() }
        return pattern.hasIn
    }

    /// Whether a message can be sent now without waiting (libzmq's `ZMQ_POLLOUT`).
    public var isWritable: Bool {
        guard !isClosed else { return false }
        processCommands()
        defer { finishDetaches() }
        return pattern.hasOut
    }

    /// A descriptor that becomes readable when the socket's readiness may have changed, for joining another
    /// event loop (libzmq's `ZMQ_FD`). It is edge-like: after it fires, check ``isReadable``/``isWritable``,
    /// and check again after every send or receive, before waiting on it again.
    public var fileDescriptor: Int32 { link.mailbox.signaler.fileDescriptor }

    /// Starts a stream of this socket's ``MonitorEvent``s (libzmq's `zmq_socket_monitor`).
    ///
    /// - Parameter capacity: the most events held until they are read (at least 1); events beyond it are dropped
    ///   and counted in ``SocketMonitor/droppedEvents``, so a monitor nobody reads costs bounded memory.
    /// - Throws: ``VTXError/Code/systemError`` when the monitor's wake-up descriptor cannot be made (the process
    ///   is out of file descriptors).
    public func monitor(capacity: Int = SocketMonitor.defaultCapacity) throws(VTXError) -> SocketMonitor {
        let monitors = link.monitors
        let monitor = try SocketMonitor(capacity: capacity) { [weak monitors] cancelled in
            monitors?.remove(cancelled)
        }
        monitors.add(monitor)
        if isClosed { link.monitors.stop() }
        return monitor
    }
}
