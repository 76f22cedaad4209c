import Foundation
import Synchronization

/// A body run on a thread of its own, whose result the caller waits for with a deadline, blocking or suspended.
final class WorkerThread<Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: every mutable property is read and written only while `condition` is locked.
    private let condition = NSCondition()
    private var result: Value?
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter: UInt64 = 0

    /// Starts `body` on a new thread named `name`.
    init(name: String, _ body: @escaping @Sendable () -> Value) {
        let thread = Thread { [self] in
            let value = body()
            condition.lock()
            result = value
            let resumed = waiters.values
            waiters = [:]
            condition.broadcast()
            condition.unlock()
            for waiter in resumed { waiter.resume() }
        }
        thread.name = name
        thread.start()
    }

    /// The body's result, blocking up to `limit` for it; `nil` when it is still running.
    func join(within limit: Duration) -> Value? {
        let deadline = Date(timeIntervalSinceNow: limit.seconds)
        condition.lock()
        defer { condition.unlock() }
        while result == nil {
            if !condition.wait(until: deadline) { break }
        }
        return result
    }

    /// The body's result, suspending up to `limit` for it; `nil` when it is still running.
    func value(within limit: Duration) async -> Value? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            guard result == nil else {
                condition.unlock()
                continuation.resume()
                return
            }
            let id = nextWaiter
            nextWaiter += 1
            waiters[id] = continuation
            condition.unlock()
            DispatchQueue.global().asyncAfter(deadline: .now() + limit.seconds) { [self] in
                condition.lock()
                let expired = waiters.removeValue(forKey: id)
                condition.unlock()
                expired?.resume()
            }
        }
        return join(within: .zero)
    }
}

/// A count shared between a worker thread and the check.
final class SharedCounter: Sendable {
    private let count = Atomic<Int>(0)

    /// Adds one.
    func increment() { count.add(1, ordering: .relaxed) }

    /// The count now.
    var value: Int { count.load(ordering: .relaxed) }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
