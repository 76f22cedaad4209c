import DequeModule
import Synchronization

import Foundation

/// A thread with a queue of work and timers: a ready-made home for a driver that has no event loop of its own.
///
/// Work runs in the order submitted, one item at a time, on the thread; timers run when due. Submitting work
/// from any thread is safe.
public final class DriverThread: @unchecked Sendable {
    private struct Timer {
        var due: ContinuousClock.Instant
        var sequence: UInt64
        var work: @Sendable () -> Void
    }

    private struct State {
        var work: Deque<@Sendable () -> Void> = []
        var timers: [Timer] = []
        var sequence: UInt64 = 0
        var stopping = false
        var started = false
    }

    private let name: String
    private let state = Locked(State())
    private let signaler = Signaler()
    private let finished = DispatchSemaphore(value: 0)
    private let threadID = Atomic<UInt64>(0)

    /// Makes a thread; it starts running with ``start()``.
    public init(name: String) {
        self.name = name
    }

    /// Starts the thread. Calling it twice does nothing.
    public func start() {
        let first = state.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        let thread = Thread(block: { [self] in run() })
        thread.name = name
        thread.start()
    }

    /// Whether the caller is running on this thread.
    public var isCurrent: Bool {
        threadID.load(ordering: .relaxed) == DriverThread.currentThreadID()
    }

    private static func currentThreadID() -> UInt64 {
        #if os(Linux)
        UInt64(pthread_self())
        #else
        UInt64(UInt(bitPattern: pthread_self()))
        #endif
    }

    /// Runs `work` on the thread, after the work submitted before it.
    ///
    /// - Returns: `false` (and drops `work`) when the thread is stopping or stopped.
    @discardableResult
    public func execute(_ work: @escaping @Sendable () -> Void) -> Bool {
        let accepted = state.withLock { state -> Bool in
            guard !state.stopping else { return false }
            state.work.append(work)
            return true
        }
        if accepted { signaler.signal() }
        return accepted
    }

    /// Runs `work` on the thread once `delay` has passed.
    public func schedule(after delay: Duration, _ work: @escaping @Sendable () -> Void) {
        let due = ContinuousClock.now + delay
        state.withLock { state in
            guard !state.stopping else { return }
            state.sequence += 1
            state.timers.append(Timer(due: due, sequence: state.sequence, work: work))
        }
        signaler.signal()
    }

    /// Runs the work already queued, then stops the thread and waits for it to end. Timers not yet due are
    /// dropped. Must not be called from the thread itself.
    public func stop() {
        let wasRunning = state.withLock { state -> Bool in
            let running = state.started && !state.stopping
            state.stopping = true
            return running
        }
        guard wasRunning else { return }
        signaler.signal()
        finished.wait()
    }

    private func run() {
        threadID.store(DriverThread.currentThreadID(), ordering: .relaxed)
        while true {
            signaler.reset()
            let (batch, dueTimers, nextDue, stop) = state.withLock {
                state -> (Deque<@Sendable () -> Void>, [Timer], ContinuousClock.Instant?, Bool) in
                let batch = state.work
                state.work = []
                let now = ContinuousClock.now
                var due: [Timer] = []
                var later: [Timer] = []
                for timer in state.timers {
                    if timer.due <= now { due.append(timer) } else { later.append(timer) }
                }
                state.timers = later
                let next = later.map(\.due).min()
                return (batch, due.sorted { $0.sequence < $1.sequence }, next, state.stopping)
            }
            for work in batch { work() }
            for timer in dueTimers { timer.work() }
            if stop {
                let remaining = state.withLock { state -> Deque<@Sendable () -> Void> in
                    let rest = state.work
                    state.work = []
                    return rest
                }
                if remaining.isEmpty { break }
                for work in remaining { work() }
                break
            }
            if batch.isEmpty && dueTimers.isEmpty {
                var timeout: Int32 = -1
                if let nextDue {
                    let wait = nextDue - ContinuousClock.now
                    let ms = wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000 + 1
                    timeout = Int32(clamping: max(0, ms))
                }
                _ = signaler.wait(timeoutMilliseconds: timeout)
            }
        }
        finished.signal()
    }
}
