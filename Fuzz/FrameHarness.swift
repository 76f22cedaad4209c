import NIOCore
import VTXCore
import ZMTP

/// The frame decoder: the same bytes give the same items and the same error in one read or in many (with or
/// without the short-message fast path); no message exceeds the maximum size; no data message arrives while data
/// frames are refused; the items never hold more bytes than the input; decoded items re-encode to the same items.
enum FrameHarness {
    private struct Outcome: Equatable {
        var items: [ZMTPItem] = []
        var failure: ZMTPError.Category?
        var partial = false
    }

    static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        let limitByte = input.byte()
        let maxMessageSize = limitByte == 0 ? nil : Int(limitByte) * 17
        let acceptsData = input.byte() & 1 == 0
        let threshold = Int(input.byte())
        let seed = input.byte()
        let wire = input.rest()
        func decoder() -> FrameDecoder {
            FrameDecoder(maxMessageSize: maxMessageSize, acceptsDataFrames: acceptsData, sharingThreshold: threshold)
        }
        let whole = decode(wire, decoder(), chunks: [wire.count], fastPath: false)
        let split = decode(wire, decoder(), chunks: chunkSizes(count: wire.count, seed: seed), fastPath: seed & 1 == 1)
        require(whole == split, "one read gave \(whole), split reads \(split)")
        for item in whole.items {
            if case .message(let message) = item {
                require(acceptsData, "a data message while data frames are refused")
                require(!message.isEmpty, "an empty message")
                if let maxMessageSize {
                    require(message.byteCount <= maxMessageSize, "a \(message.byteCount)-byte message past the limit")
                }
            }
        }
        require(ItemChecks.payloadBytes(whole.items) <= wire.count, "items hold more bytes than the input")
        ItemChecks.requireRoundTrip(whole.items)
    }

    private static func decode(_ wire: [UInt8], _ decoder: FrameDecoder, chunks: [Int], fastPath: Bool) -> Outcome {
        var decoder = decoder
        var outcome = Outcome()
        var offset = 0
        for size in chunks {
            var buffer = ByteBuffer(bytes: wire[offset..<(offset + size)])
            offset += size
            do {
                while true {
                    if fastPath {
                        _ = decoder.decodeShortMessages(from: &buffer) { message in
                            outcome.items.append(.message(message))
                            return true
                        }
                    }
                    guard let item = try decoder.next(&buffer) else { break }
                    outcome.items.append(item)
                }
                require(buffer.readableBytes == 0, "the decoder left \(buffer.readableBytes) bytes unread")
            } catch {
                outcome.failure = error.category
                var again = ByteBuffer(bytes: [0])
                let repeated = Result { () throws(ZMTPError) in try decoder.next(&again) }
                if case .success = repeated { require(false, "the decoder goes on after an error") }
                return outcome
            }
        }
        outcome.partial = decoder.hasPartialInput
        return outcome
    }
}
