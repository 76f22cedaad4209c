import NIOCore
import Testing
import VTXCore
import ZMTP

/// Checks a ``FrameDecoder`` the way NIO's `ByteToMessageDecoderVerifier` checks a decoder: the same input must
/// decode to the same items whether it arrives whole, one byte at a time, or in random (seeded) splits, and
/// nothing may be left over.
enum DecoderVerifier {
    /// How input is cut into reads.
    enum Split: CustomStringConvertible {
        case whole
        case bytewise
        case random(seed: UInt64)

        var description: String {
            switch self {
            case .whole: "whole"
            case .bytewise: "one byte at a time"
            case .random(let seed): "random splits (seed \(seed))"
            }
        }
    }

    /// Decodes `input` delivered as `split`, each read in a fresh buffer.
    static func decode(_ input: [UInt8], split: Split, maxMessageSize: Int? = nil) throws -> [ZMTPItem] {
        var decoder = FrameDecoder(maxMessageSize: maxMessageSize)
        var items: [ZMTPItem] = []
        var offset = 0
        var generator = SeededGenerator(seed: { if case .random(let seed) = split { seed } else { 0 } }())
        while offset < input.count {
            let length: Int
            switch split {
            case .whole: length = input.count
            case .bytewise: length = 1
            case .random: length = Int.random(in: 1...max(1, min(input.count / 3, 70_000)), using: &generator)
            }
            let end = min(input.count, offset + length)
            var chunk = ByteBuffer(bytes: input[offset..<end])
            while let item = try decoder.next(&chunk) { items.append(item) }
            #expect(chunk.readableBytes == 0, "the decoder must consume every byte it is given")
            offset = end
        }
        #expect(!decoder.hasPartialInput, "input ended mid-frame or mid-message (\(split))")
        return items
    }

    /// Verifies that every split of `input` yields `expected` (or, when `nil`, the same as the whole input), and
    /// returns the items.
    @discardableResult
    static func verify(
        _ input: [UInt8],
        expected: [ZMTPItem]? = nil,
        bytewise: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [ZMTPItem] {
        let reference = try expected ?? decode(input, split: .whole)
        var splits: [Split] = [.whole, .random(seed: 1), .random(seed: 42), .random(seed: 0xDEC0DE)]
        if bytewise { splits.insert(.bytewise, at: 1) }
        for split in splits {
            let items = try decode(input, split: split)
            #expect(items == reference, "decoding \(split) differs", sourceLocation: sourceLocation)
        }
        return reference
    }
}
