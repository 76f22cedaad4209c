/// A value that only code running on one ``DriverThread`` may touch: the way to keep a driver's mutable state
/// without marking the driver `@unchecked Sendable` (like SwiftNIO's `NIOLoopBoundBox` for an event loop).
///
/// The box itself is `Sendable`, so a driver class whose stored properties are `let`s of sendable types (its
/// `DriverThread` and boxes like this one) is `Sendable` as the ``Driver`` protocol requires, checked by the
/// compiler. Every access checks, at run time, that it happens on the box's thread.
///
/// ```swift
/// final class MyDriver: Driver {
///     private let thread = DriverThread(name: "my-driver")
///     private let listeners: ThreadBoundBox<[String: DriverEndpoint]>
///     init() { listeners = ThreadBoundBox([:], on: thread) }
///     func handle(_ command: DriverCommand) {
///         thread.execute { [self] in
///             if case .bind(let endpoint) = command { listeners.value[endpoint.endpoint.address] = endpoint }
///         }
///     }
///     // …
/// }
/// ```
public final class ThreadBoundBox<Value>: @unchecked Sendable {
    // Safe to share: `value` is read and written only on `thread` (checked on every access), so it is never
    // touched by two threads, and the thread's work queue orders every access after the box was made.
    private var storage: Value
    /// The thread whose work may touch the value.
    public let thread: DriverThread

    /// Makes a box for `value`, bound to `thread`. May be called on any thread (the value is not touched until the
    /// thread runs work).
    public init(_ value: Value, on thread: DriverThread) {
        self.storage = value
        self.thread = thread
    }

    /// The value. Read and write it only from work running on ``thread``; anywhere else stops the process with a
    /// message (a data race is a bug, not an error to handle).
    public var value: Value {
        _read {
            precondition(thread.isCurrent, "a ThreadBoundBox was used off its DriverThread")
            yield storage
        }
        _modify {
            precondition(thread.isCurrent, "a ThreadBoundBox was used off its DriverThread")
            yield &storage
        }
    }
}
