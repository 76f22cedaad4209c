import Foundation

/// A value shared between test threads behind an `NSLock` (a pthread mutex, which ThreadSanitizer understands;
/// `Synchronization.Mutex` is a kernel PI-futex on Linux that it cannot see, so it would report false races).
public final class Guarded<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    /// Makes the box with its first value.
    public init(_ value: Value) { self.value = value }

    /// Runs `body` with the value, under the lock.
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
