import DequeModule
import Synchronization

/// A stream of one socket's ``MonitorEvent``s, from the moment it was made until the socket closes.
///
/// Read it with `for await event in monitor` or, from a thread, with ``next(timeout:)``. Events are queued up to
/// ``capacity`` (like the high-water mark of libzmq's monitor socket, 1,000 by default), so a reader that keeps up
/// misses nothing, and one that stops reading costs a bounded amount of memory: events that find the queue full
/// are dropped and counted in ``droppedEvents``. The stream ends after ``MonitorEvent/Kind/monitorStopped``, which
/// is always delivered, or when it is ``cancel()``led.
public final class SocketMonitor: AsyncSequence, Sendable {
    /// The element type: one event.
    public typealias Element = MonitorEvent

    /// The default ``capacity``: libzmq's default high-water mark, which its monitor sockets have too.
    public static let defaultCapacity = 1000

    private struct State {
        var events: Deque<MonitorEvent> = []
        var finished = false
        var dropped = 0
        var waiter: CheckedContinuation<MonitorEvent?, Never>?
    }

    /// The most events held for the reader; later ones are dropped until it reads.
    public let capacity: Int
    private let state = Locked(State())
    private let signaler: Signaler
    private let cancellation: Locked<(@Sendable (SocketMonitor) -> Void)?>

    init(capacity: Int, onCancel: @escaping @Sendable (SocketMonitor) -> Void) throws(VTXError) {
        self.capacity = Swift.max(1, capacity)
        cancellation = Locked(onCancel)
        signaler = try Signaler()
    }

    /// How many events were dropped because the queue held ``capacity`` events the reader had not taken.
    public var droppedEvents: Int { state.withLock { $0.dropped } }

    /// Ends the stream now: events held are discarded, no more are queued, and a waiting reader gets `nil`. The
    /// socket stops publishing to this monitor. Calling it again does nothing.
    public func cancel() {
        let waiter = state.withLock { state -> CheckedContinuation<MonitorEvent?, Never>? in
            state.finished = true
            state.events.removeAll()
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
        signaler.signal()
        let onCancel = cancellation.withLock { action in
            defer { action = nil }
            return action
        }
        onCancel?(self)
    }

    func deliver(_ event: MonitorEvent, finish: Bool = false) {
        let waiter = state.withLock { state -> CheckedContinuation<MonitorEvent?, Never>? in
            guard !state.finished else { return nil }
            if finish { state.finished = true }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            // The final event is always kept, so that a reader learns that the stream ended.
            guard finish || state.events.count < capacity else {
                state.dropped += 1
                return nil
            }
            state.events.append(event)
            return nil
        }
        if let waiter { waiter.resume(returning: event) }
        signaler.signal()
    }

    /// Waits up to `timeout` (`nil`: forever) for the next event; `nil` when none came or the stream ended.
    public func next(timeout: Duration? = nil) -> MonitorEvent? {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while true {
            signaler.reset()
            let (event, ended) = state.withLock { state in (state.events.popFirst(), state.finished) }
            if let event { return event }
            if ended { return nil }
            var wait: Int32 = -1
            if let deadline {
                let left = deadline - .now
                if left <= .zero { return nil }
                wait = Int32(clamping: left.milliseconds + 1)
            }
            _ = signaler.wait(timeoutMilliseconds: wait)
        }
    }

    /// Waits (up to `timeout`) for the next event of the given kind, skipping others; `nil` if none came.
    public func next(_ kind: MonitorEvent.Kind, timeout: Duration) -> MonitorEvent? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let left = deadline - .now
            guard left > .zero, let event = next(timeout: left) else { return nil }
            if event.kind == kind { return event }
        }
    }

    private func nextAsync() async -> MonitorEvent? {
        await withCheckedContinuation { (continuation: CheckedContinuation<MonitorEvent?, Never>) in
            let result = state.withLock { state -> MonitorEvent?? in
                if let event = state.events.popFirst() { return .some(event) }
                if state.finished { return .some(nil) }
                state.waiter = continuation
                return nil
            }
            if let result { continuation.resume(returning: result) }
        }
    }

    /// Iterates the events asynchronously.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let monitor: SocketMonitor

        /// The next event, or `nil` once the socket has closed.
        public mutating func next() async -> MonitorEvent? {
            await monitor.nextAsync()
        }
    }

    /// Makes an iterator over the events.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(monitor: self)
    }
}

/// The monitors of one socket; drivers publish into it from their threads.
final class MonitorHub: Sendable {
    private let monitors = Locked<[SocketMonitor]>([])

    func add(_ monitor: SocketMonitor) {
        monitors.withLock { $0.append(monitor) }
    }

    func remove(_ monitor: SocketMonitor) {
        monitors.withLock { list in list.removeAll { $0 === monitor } }
    }

    func publish(_ event: DriverEvent, endpoint: String) {
        guard let event = MonitorEvent(event, endpoint: endpoint) else { return }
        publish(event)
    }

    func publish(_ event: MonitorEvent) {
        let current = monitors.withLock { $0 }
        for monitor in current { monitor.deliver(event) }
    }

    func stop() {
        let current = monitors.withLock { list -> [SocketMonitor] in
            defer { list = [] }
            return list
        }
        let event = MonitorEvent(kind: .monitorStopped, endpoint: "")
        for monitor in current { monitor.deliver(event, finish: true) }
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down; saturating at a quarter of `Int64`'s range either way
    /// (millions of years), so that a huge timeout or linger waits "forever" instead of trapping, and a caller
    /// may still add to it.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        let limit = Int64.max / 4
        guard !overflow, scaled < limit, scaled > -limit else { return seconds < 0 ? -limit : limit }
        return scaled + attoseconds / 1_000_000_000_000_000
    }
}
