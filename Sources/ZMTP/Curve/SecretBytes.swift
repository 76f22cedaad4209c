/// Secret key material (a transient secret key, a precomputed box key, a cookie key) in memory of its own that is
/// wiped with `sodium_memzero` when the last reference goes away.
///
/// Holders drop their reference as soon as the secret is no longer needed (a mechanism sets its optional to `nil`),
/// so the bytes live no longer than the handshake step that needs them. Copies of a mechanism share the same
/// memory, which is wiped once, when the last copy lets go.
package final class SecretBytes: @unchecked Sendable {
    // @unchecked Sendable is safe: `memory` is written only during `init` and wiped only in `deinit`, when no other
    // reference can exist; in between every access only reads it.
    private let memory: UnsafeMutableRawBufferPointer

    /// The number of bytes.
    package let count: Int

    /// `count` bytes written by `initialize`; `nil` (the memory wiped) when `initialize` returns `false`.
    package init?(count: Int, initializingWith initialize: (UnsafeMutableRawBufferPointer) -> Bool) {
        let size = max(count, 0)
        self.count = size
        memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
        memory.initializeMemory(as: UInt8.self, repeating: 0)
        // On failure `deinit` (which runs for a fully initialised object) wipes and frees the memory.
        guard initialize(UnsafeMutableRawBufferPointer(rebasing: memory[0..<size])) else { return nil }
    }

    /// A copy of `bytes`. The caller remains responsible for wiping its own copy.
    package convenience init(copying bytes: some Collection<UInt8>) {
        // A copy cannot fail.
        self.init(count: bytes.count) { destination in
            _ = destination.initializeMemory(as: UInt8.self, from: bytes)
            return true
        }!
    }

    deinit {
        Sodium.wipe(memory)
        memory.deallocate()
    }

    /// Calls `body` with the bytes, read-only.
    package func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: memory[0..<count]))
    }

    /// The bytes in `range`, copied into a new secret of their own.
    package func slice(_ range: Range<Int>) -> SecretBytes? {
        guard range.lowerBound >= 0, range.upperBound <= count else { return nil }
        return SecretBytes(count: range.count) { destination in
            destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: memory[range]))
            return true
        }
    }

    /// Whether the bytes in `range` equal `other`, compared in constant time (`sodium_memcmp`).
    package func matches(_ other: [UInt8], at range: Range<Int>) -> Bool {
        guard range.lowerBound >= 0, range.upperBound <= count, range.count == other.count else { return false }
        return Sodium.constantTimeEqual(UnsafeRawBufferPointer(rebasing: memory[range]), other)
    }
}
