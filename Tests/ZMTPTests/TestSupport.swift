import NIOCore
import Testing
import VTXCore
import ZMTP

/// Bytes from hex text such as `"ff 00 7f"` (spaces optional).
func hex(_ text: String) -> [UInt8] {
    let digits = text.filter { !$0.isWhitespace }
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        bytes.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

/// The UTF-8 bytes of `text`.
func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A buffer holding `bytes`.
func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

/// The readable bytes of `buffer`.
func bytes(of buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

/// A frame of `count` bytes with a recognisable pattern.
func patternFrame(_ count: Int, seed: UInt8 = 0) -> Frame {
    Frame(count: count) { target in
        for index in 0..<count { target[index] = UInt8(truncatingIfNeeded: index &* 31) &+ seed }
    }
}

/// The bytes of `message` as FrameEncoder writes them.
func encoded(_ message: Message) -> [UInt8] {
    var out = ByteBuffer()
    FrameEncoder.encode(message, into: &out)
    return bytes(of: out)
}

/// The bytes of `command` as a whole frame.
func encoded(_ command: Command) -> [UInt8] {
    var out = ByteBuffer()
    command.write(to: &out)
    return bytes(of: out)
}

/// Runs `body` and checks that it throws a ZMTPError of `category` (and, if given, for `command`); returns it.
@discardableResult
func expectZMTPError(
    _ category: ZMTPError.Category,
    command: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> ZMTPError? {
    do {
        try body()
        Issue.record("expected a ZMTP \(category.rawValue) error, nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as ZMTPError {
        #expect(error.category == category, "\(error)", sourceLocation: sourceLocation)
        if let command {
            #expect(error.command == command, "\(error)", sourceLocation: sourceLocation)
        }
        return error
    } catch {
        Issue.record("expected a ZMTPError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A small seeded random number generator (SplitMix64), so random splits are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
