/// Heap storage for a frame body that does not fit inline: one allocation holding the byte count and the bytes.
///
/// Instances are immutable once created, so sharing them between threads is safe; that is how a large frame
/// crosses a pipe without being copied.
@usableFromInline
final class FrameStorage: ManagedBuffer<Int, UInt8> {
    /// Makes storage of `count` bytes and lets `initialize` write them.
    @inlinable
    static func make(count: Int, initialize: (UnsafeMutableRawBufferPointer) -> Void) -> FrameStorage {
        let storage = FrameStorage.create(minimumCapacity: count) { _ in count }
        storage.withUnsafeMutablePointerToElements { elements in
            initialize(UnsafeMutableRawBufferPointer(start: elements, count: count))
        }
        // `create` returns the dynamic subclass type as `ManagedBuffer`; the downcast cannot fail.
        return unsafeDowncast(storage, to: FrameStorage.self)
    }

    /// The number of bytes. Read through the header pointer: `header` is a class property, and reading it
    /// costs a dynamic exclusivity check (`swift_beginAccess`) on every access.
    @inlinable
    var count: Int { withUnsafeMutablePointerToHeader { $0.pointee } }

    @inlinable
    func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let count = self.count
        let start = withUnsafeMutablePointerToElements { UnsafeRawPointer($0) }
        defer { withExtendedLifetime(self) {} }
        return try body(UnsafeRawBufferPointer(start: start, count: count))
    }
}
