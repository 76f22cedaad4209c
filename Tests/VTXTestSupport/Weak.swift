/// A weak reference, for a test to check that an object (a frame's storage, a message's metadata) has been freed.
/// Tests read and write it on one thread at a time.
public final class Weak: @unchecked Sendable {
    /// The object, while something else keeps it alive; `nil` once it has been freed.
    public weak var object: AnyObject?

    /// Watches `object` without keeping it alive.
    public init(_ object: AnyObject) { self.object = object }
}
