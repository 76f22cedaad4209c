import NIOConcurrencyHelpers

/// A value guarded by a lock, for state shared between threads off the hot path (mailboxes, pipe links,
/// monitors, the manager's registry).
///
/// It wraps NIO's `NIOLockedValueBox`, a `pthread_mutex`. `Synchronization.Mutex` would do, but on Linux it is a
/// PI-futex taken inside the kernel, which ThreadSanitizer cannot see, so every access it guards would be
/// reported as a race and the sanitizer run would be useless.
struct Locked<Value>: @unchecked Sendable {
    private let box: NIOLockedValueBox<Value>

    init(_ value: Value) {
        box = NIOLockedValueBox(value)
    }

    /// Runs `body` with exclusive access to the value.
    @inline(__always)
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try box.withLockedValue(body)
    }
}
