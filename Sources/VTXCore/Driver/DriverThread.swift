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
        /// Made by ``start()``; work submitted before then waits in `work` and runs once the thread starts.
        var signaler: Signaler?
    }

    private let name: String
    private let state = Locked(State())
    private let finished = DispatchSemaphore(value: 0)
    private let threadID = Atomic<UInt64>(0)

    /// Makes a thread; it starts running with ``start()``.
    public init(name: String) {
        self.name = name
    }

    /// Starts the thread. Calling it twice does nothing.
    ///
    /// - Throws: ``VTXError/Code/systemError`` when the thread's wake-up descriptor cannot be made (the process is
    ///   out of file descriptors); the thread is then not started, and a later call may try again.
    public func start() throws(VTXError) {
        let made: Result<Signaler?, VTXError> = state.withLock { state in
            guard state.signaler == nil else { return .success(nil) }
            do throws(VTXError) {
                let signaler = try Signaler()
                state.signaler = signaler
                return .success(signaler)
            } catch {
                return .failure(error)
            }
        }
        guard let signaler = try made.get() else { return }
        let thread = Thread(block: { [self] in run(signaler) })
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
        let (accepted, signaler) = state.withLock { state -> (Bool, Signaler?) in
            guard !state.stopping else { return (false, nil) }
            state.work.append(work)
            return (true, state.signaler)
        }
        signaler?.signal()
        return accepted
    }

    /// Runs `work` on the thread once `delay` has passed.
    public func schedule(after delay: Duration, _ work: @escaping @Sendable () -> Void) {
        let due = ContinuousClock.now + delay
        let signaler = state.withLock { state -> Signaler? in
            guard !state.stopping else { return nil }
            state.sequence += 1
            state.timers.append(Timer(due: due, sequence: state.sequence, work: work))
            return state.signaler
        }
        signaler?.signal()
    }

    /// Runs the work already queued, then stops the thread and waits for it to end. Timers not yet due are
    /// dropped. Must not be called from the thread itself.
    public func stop() {
        let running = state.withLock { state -> Signaler? in
            defer { state.stopping = true }
            return state.stopping ? nil : state.signaler
        }
        guard let running else { return }
        running.signal()
        finished.wait()
    }

    private func run(_ signaler: Signaler) {
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
                if let nextDue { timeout = Self.pollTimeout(until: nextDue - ContinuousClock.now) }
                _ = signaler.wait(timeoutMilliseconds: timeout)
            }
        }
        finished.signal()
    }

    /// The milliseconds `poll(2)` waits for a timer due in `wait`: rounded up, 0 for one already due, and at most
    /// `Int32.max` (about 24 days; a later timer is waited for in turns). A timer of a huge option is due in up to
    /// `Int64.max` seconds, which in milliseconds would overflow (CI saw the thread trap on it).
    static func pollTimeout(until wait: Duration) -> Int32 {
        let (seconds, attoseconds) = wait.components
        guard seconds < Int64(Int32.max / 1000) else { return Int32.max }
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1
        return Int32(clamping: max(0, milliseconds))
    }
}
