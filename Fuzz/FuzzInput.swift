/// A cursor over one fuzz input: harnesses take their parameters (modes, chunk sizes, limits) from the front and
/// the bytes to parse from the rest, so every input is a reproducible run. Reading past the end gives zeros and
/// empty pieces, never a trap.
struct FuzzInput {
    private let data: [UInt8]
    private var offset = 0

    /// Wraps `data`.
    init(_ data: [UInt8]) { self.data = data }

    /// Whether every byte has been taken.
    var isEmpty: Bool { offset >= data.count }

    /// The next byte, or 0 at the end.
    mutating func byte() -> UInt8 {
        guard offset < data.count else { return 0 }
        defer { offset += 1 }
        return data[offset]
    }

    /// A big-endian 16-bit number from the next two bytes.
    mutating func uint16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    /// A big-endian 32-bit number from the next four bytes.
    mutating func uint32() -> UInt32 { UInt32(uint16()) << 16 | UInt32(uint16()) }

    /// Up to `count` bytes.
    mutating func bytes(_ count: Int) -> [UInt8] {
        let end = min(data.count, offset + max(0, count))
        defer { offset = end }
        return Array(data[offset..<end])
    }

    /// A piece whose length comes first (one byte, or two when `wide`).
    mutating func piece(wide: Bool = false) -> [UInt8] {
        bytes(wide ? Int(uint16()) : Int(byte()))
    }

    /// Everything not yet taken.
    mutating func rest() -> [UInt8] { bytes(data.count - offset) }
}

/// Chunk sizes that cut `count` bytes into reads the way a socket might: from `seed`, a repeating pattern of sizes
/// 1…16 (seed 0: one read of everything).
func chunkSizes(count: Int, seed: UInt8) -> [Int] {
    guard seed != 0, count > 0 else { return [count] }
    var sizes: [Int] = []
    var state = UInt32(seed)
    var left = count
    while left > 0 {
        state = state &* 1_103_515_245 &+ 12345
        let size = min(left, Int((state >> 16) % 16) + 1)
        sizes.append(size)
        left -= size
    }
    return sizes
}

/// Stops the run as a crash (libFuzzer then saves the input) when an invariant does not hold.
func require(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    guard !condition() else { return }
    fatalError("fuzz invariant broken: \(message())", file: file, line: line)
}
