import Foundation

/// Runs `body` on a thread of its own and returns what it returns, so that a blocking wait (a monitor's
/// `next(timeout:)`, a child process's output, a peer's start) never holds one of Swift's cooperative threads,
/// which the other tests of the run need. Checks (`#expect`) belong after the `await`, in the test's task.
///
/// - Throws: what `body` throws.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
