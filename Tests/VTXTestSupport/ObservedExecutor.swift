import Foundation

/// A task executor on a thread of its own that can tell when everything started on it is suspended: a task run with
/// `Task(executorPreference: executor) { … }` has reached its suspension point (an `async` receive waiting for a
/// message, say) once ``awaitSuspended(timeout:)`` returns true, since the executor then runs nothing and has nothing
/// queued. This replaces "start the task, sleep a moment, hope it is suspended by then". Its thread, not the
/// cooperative pool, runs the tasks; call ``finish()`` when done with it.
public final class ObservedExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [UnownedJob] = []
    private var running = false
    private var jobsRun = 0
    private var finished = false

    /// Starts the executor's thread.
    public init() {
        Thread { [self] in work() }.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        defer { condition.unlock() }
        if finished {
            // A straggler (a cancelled timer's last step) after finish(): a thread of its own runs it.
            Thread { [self] in job.runSynchronously(on: asUnownedTaskExecutor()) }.start()
            return
        }
        queue.append(job)
        condition.broadcast()
    }

    private func work() {
        condition.lock()
        while true {
            while queue.isEmpty && !finished { condition.wait() }
            if queue.isEmpty { break }
            let job = queue.removeFirst()
            running = true
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
            condition.lock()
            running = false
            jobsRun += 1
            condition.broadcast()
        }
        condition.unlock()
    }

    /// Waits (at most `timeout`, on a thread of its own) until at least `jobs` jobs have run since the executor
    /// started and none is running or queued: every task on it is suspended (or done). False if that did not happen.
    public func awaitSuspended(afterJobs jobs: Int = 1, timeout: Duration = .seconds(10)) async throws -> Bool {
        try await onOwnThread { [self] in
            let deadline = Date().addingTimeInterval(timeout.inSeconds)
            condition.lock()
            defer { condition.unlock() }
            var suspended: Bool { jobsRun >= jobs && !running && queue.isEmpty }
            while !suspended {
                if !condition.wait(until: deadline) { return suspended }
            }
            return true
        }
    }

    /// Lets the thread end once nothing is queued (later jobs each get a thread of their own).
    public func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }
}
