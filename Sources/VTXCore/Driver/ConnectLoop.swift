/// The core's reconnect loop for one connect, after nng's dialer: the driver reports how each attempt and each
/// connection ends, and the loop decides, with the endpoint's ``ReconnectPolicy``, whether and when the driver
/// tries again (``DriverCommand/reconnect(_:)``). Drivers keep no timers or attempt counts of their own.
///
/// It watches the events the driver reports for the connect:
/// - ``DriverEvent/handshakeSucceeded(_:)`` resets the attempt count (the next failure waits the first interval);
/// - ``DriverEvent/connectAttemptFailed(_:)`` (an attempt made no connection) and
///   ``DriverEvent/disconnected(_:_:)`` (a connection ended) schedule the next attempt, reported as
///   ``DriverEvent/connectRetried(_:)``; with reconnection off (`interval == nil`) the connect is given up;
/// - ``DriverEvent/connectFailed(_:)`` (the driver gave up, say after a protocol error) stops the loop.
///
/// A connect that is given up, by the policy or by the driver, is dropped: the socket forgets the endpoint and the
/// driver receives ``DriverCommand/disconnect(_:)`` for it, so it frees what it holds.
final class ConnectLoop: Sendable {
    private struct State {
        var attempt = 0
        /// Identifies the retry scheduled last; a retry whose number is no longer current does nothing.
        var generation: UInt64 = 0
        var stopped = false
        /// Whether the driver accepted the connect (answered ``DriverEvent/connecting``).
        var accepted = false
    }

    private let state = Locked(State())
    private let registration: DriverRegistration
    private let timer: DriverThread

    init(registration: DriverRegistration, timer: DriverThread) {
        self.registration = registration
        self.timer = timer
    }

    /// Stops the loop (the socket disconnected or closed): a retry already scheduled does nothing.
    func stop() {
        state.withLock { state in
            state.stopped = true
            state.generation &+= 1
        }
    }

    /// Reacts to an event the driver reported for `endpoint`, on the driver's thread.
    func observe(_ event: DriverEvent, for endpoint: DriverEndpoint) {
        switch event {
        case .connecting:
            state.withLock { $0.accepted = true }
        case .handshakeSucceeded:
            state.withLock { $0.attempt = 0 }
        case .connectFailed:
            giveUp(endpoint)
        case .connectAttemptFailed(let error):
            scheduleRetry(for: endpoint, after: error)
        case .disconnected(_, let error):
            scheduleRetry(for: endpoint, after: error)
        default:
            break
        }
    }

    private func scheduleRetry(for endpoint: DriverEndpoint, after error: VTXError?) {
        let policy = endpoint.options.reconnect
        let plan = state.withLock { state -> (delay: Duration?, generation: UInt64)? in
            guard !state.stopped else { return nil }
            state.attempt += 1
            state.generation &+= 1
            return (policy.delay(beforeAttempt: state.attempt), state.generation)
        }
        guard let plan, !endpoint.isSocketClosed, !registration.isStopped else { return }
        guard let delay = plan.delay else {
            let reason = error.map { ": \($0.message)" } ?? ""
            endpoint.report(.connectFailed(VTXError(
                error?.code ?? .connectionRefused,
                "not reconnecting to \(endpoint.endpoint) (reconnection is off)\(reason)"
            )))
            return
        }
        endpoint.report(.connectRetried(delay))
        timer.schedule(after: delay) { [self] in
            let current = state.withLock { !$0.stopped && $0.generation == plan.generation }
            guard current, !endpoint.isSocketClosed else { return }
            registration.send(.reconnect(endpoint))
        }
    }

    private func giveUp(_ endpoint: DriverEndpoint) {
        let wasRunning = state.withLock { state -> Bool in
            defer {
                state.stopped = true
                state.generation &+= 1
            }
            return !state.stopped && state.accepted
        }
        // A connect refused in the driver's first answer was never started: nothing to free.
        guard wasRunning else { return }
        registration.send(.disconnect(endpoint))
    }
}
