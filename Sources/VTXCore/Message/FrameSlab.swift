#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One heap block holding the bodies of many medium-sized frames, carved one after another by the thread that
/// makes them.
///
/// Every frame keeps a strong reference to its slab, so the block is freed when the last of its frames is gone.
/// A body is written once, by the thread that reserved it, before its frame exists; after that it is only read.
/// Bodies never overlap, so sharing a slab between threads is safe.
///
/// Why slabs: a body allocated by a sending thread and freed by a receiving one goes back to the sender's
/// `malloc` arena under the arena's lock. Above glibc's small lock-free bins (128 bytes), both threads then take
/// that lock for every message and wake each other through `futex`. One block per slab makes that one `malloc`
/// and one `free` per slab, not per message. The price: a frame kept alive keeps its whole slab alive, which is
/// why the core keeps long-lived frames (routing ids, subscriptions, options) through ``Frame/detached()``.
@usableFromInline
final class FrameSlab: ManagedBuffer<Void, UInt8> {
    /// The bytes in each slab.
    @usableFromInline static let capacity = 16 * 1024

    /// The largest body carved from a slab; larger ones get a heap block of their own.
    @usableFromInline static let largestBody = 2 * 1024

    /// The first byte of the body at `offset`.
    @inlinable
    func bytes(at offset: Int) -> UnsafeMutableRawPointer {
        withUnsafeMutablePointerToElements { UnsafeMutableRawPointer($0) } + offset
    }

    /// Reserves `count` bytes (at most ``largestBody``) in the calling thread's current slab, starting a new slab
    /// when that one is full, and returns the slab and the offset of the bytes. The caller writes them before it
    /// shares the slab with anyone. `nil` when the process has no thread-specific key to spare for the cursors;
    /// the caller then allocates the body on its own.
    @usableFromInline
    static func reserve(_ count: Int) -> (slab: FrameSlab, offset: Int)? {
        SlabCursor.current?.reserve(count)
    }

    /// A new, empty slab.
    fileprivate static func make() -> FrameSlab {
        unsafeDowncast(FrameSlab.create(minimumCapacity: capacity) { _ in }, to: FrameSlab.self)
    }
}

/// A thread's current slab and how much of it is taken. Only its own thread uses it.
private final class SlabCursor {
    private var slab = FrameSlab.make()
    private var used = 0

    /// Reserves `count` bytes, rounded up to a multiple of 16 so that every body starts aligned.
    func reserve(_ count: Int) -> (slab: FrameSlab, offset: Int) {
        let size = (count + 15) & ~15
        if used + size > FrameSlab.capacity {
            slab = FrameSlab.make()
            used = 0
        }
        let offset = used
        used += size
        return (slab, offset)
    }

    /// The calling thread's cursor, made on first use and released when the thread exits; `nil` when there is
    /// no key to keep it under.
    static var current: SlabCursor? {
        guard let key else { return nil }
        if let raw = pthread_getspecific(key) {
            return Unmanaged<SlabCursor>.fromOpaque(raw).takeUnretainedValue()
        }
        let cursor = SlabCursor()
        guard pthread_setspecific(key, Unmanaged.passRetained(cursor).toOpaque()) == 0 else {
            Unmanaged.passUnretained(cursor).release()
            return nil
        }
        return cursor
    }

    /// The thread-specific key under which each thread keeps its cursor, or `nil` when the process has used up
    /// its keys (`PTHREAD_KEYS_MAX`).
    private static let key: pthread_key_t? = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { raw in
            #if canImport(Darwin)
            Unmanaged<SlabCursor>.fromOpaque(raw).release()
            #else
            if let raw { Unmanaged<SlabCursor>.fromOpaque(raw).release() }
            #endif
        }
        return status == 0 ? key : nil
    }()
}
