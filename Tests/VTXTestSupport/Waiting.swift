import Foundation

/// Waits until `condition` holds, looking every `interval`, for at most `timeout` (and so a bounded number of looks):
/// for a state that can be observed but sends no event (a descriptor count in /proc, a thread's state, a port that
/// stops accepting). It blocks its thread: call it from a synchronous test or a thread of its own
/// (``onOwnThread(_:)``), never from an async context.
///
/// - Returns: whether `condition` held before the deadline.
public func waitUntil(
    timeout: Duration = .seconds(5),
    every interval: Duration = .milliseconds(5),
    _ condition: () throws -> Bool
) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    let looks = Int((timeout / max(interval, .milliseconds(1))).rounded(.up)) + 1
    for _ in 0..<looks {
        if try condition() { return true }
        guard ContinuousClock.now < deadline else { break }
        // Not a wait-for-event: the pause between two looks at a condition that has no event to await.
        Thread.sleep(forTimeInterval: interval.inSeconds)
    }
    return try condition()
}

/// A blocking call run on a thread of its own, which the test can wait on until it is blocked: parked in poll(2),
/// where a socket's blocking send or receive, a `Poller` and a `Proxy` wait for their next event. This replaces
/// "start the thread, sleep a moment, hope it is blocked by then": a late thread would make the test check the
/// call that finds its answer at once instead of the call that is woken up.
public final class BlockingCall: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let threadPath = Guarded<String?>(nil)
    private let returned = Guarded(false)

    /// Starts `body` on a new thread.
    public init(_ body: @escaping @Sendable () -> Void) {
        Thread { [done, threadPath, returned] in
            // "/proc/thread-self" links to "PID/task/TID": this thread's entry in /proc.
            let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")
            threadPath.withLock { $0 = own.map { "/proc/\($0)" } }
            body()
            returned.withLock { $0 = true }
            done.signal()
        }.start()
    }

    /// Whether the thread is in poll(2) now (`/proc/PID/task/TID/syscall` names the system call a thread is
    /// blocked in).
    public var isBlockedInPoll: Bool {
        guard let path = threadPath.withLock({ $0 }),
              let text = try? String(contentsOfFile: path + "/syscall", encoding: .utf8),
              let number = text.split(separator: " ").first.flatMap({ Int($0) })
        else { return false }
        return Self.pollCalls.contains(number)
    }

    #if arch(x86_64)
    private static let pollCalls: Set<Int> = [7, 271]  // poll, ppoll
    #else
    private static let pollCalls: Set<Int> = [73]  // ppoll (aarch64 and the generic table have no poll)
    #endif

    /// Waits (at most `timeout`) until the call is blocked in poll(2); false if it never was (or returned first).
    public func awaitBlocked(timeout: Duration = .seconds(10)) -> Bool {
        waitUntil(timeout: timeout, every: .milliseconds(1)) { isBlockedInPoll || returned.withLock { $0 } }
            && !returned.withLock { $0 }
    }

    /// Waits (at most `timeout`) for the call to return; false if it did not.
    public func awaitReturn(timeout: Duration = .seconds(10)) -> Bool {
        done.wait(timeout: .now() + timeout.inSeconds) == .success
    }
}
