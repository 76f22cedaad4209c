import NIOCore
import ZMTP

/// The greeting decoder, in any chunking: the same bytes give the same outcome whether they arrive in one read or
/// in many; it never consumes more than 64 bytes; an accepted greeting has a ZMTP 3.x signature, the expected
/// mechanism, and survives its own encoding.
enum GreetingHarness {
    private enum Outcome: Equatable {
        case needsMore(consumed: Int)
        case greeting(Greeting, leftover: Int)
        case failed(ZMTPError.Category)
    }

    static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        let mechanism = [MechanismName.null, .plain, .curve][Int(input.byte() % 3)]
        let seed = input.byte()
        let wire = input.rest()
        let whole = decode(wire, expecting: mechanism, chunks: [wire.count])
        let split = decode(wire, expecting: mechanism, chunks: chunkSizes(count: wire.count, seed: seed))
        require(whole == split, "one read gave \(whole), split reads \(split)")
        switch whole {
        case .needsMore(let consumed):
            require(consumed == wire.count && consumed < Greeting.size, "needs more after \(consumed) of \(wire.count)")
        case .greeting(let greeting, let leftover):
            require(wire.count >= Greeting.size && leftover == wire.count - Greeting.size, "consumed past the greeting")
            require(wire[0] == 0xFF && wire[9] & 1 == 1 && greeting.majorVersion >= 3, "accepted a bad signature")
            require(greeting.mechanism == mechanism, "accepted mechanism \(greeting.mechanism)")
            let again = decode(greeting.bytes, expecting: mechanism, chunks: [Greeting.size])
            require(again == .greeting(greeting, leftover: 0), "its own encoding decodes as \(again)")
        case .failed:
            break
        }
    }

    private static func decode(_ wire: [UInt8], expecting mechanism: MechanismName, chunks: [Int]) -> Outcome {
        var decoder = GreetingDecoder(expecting: mechanism)
        var offset = 0
        var consumed = 0
        for size in chunks {
            var buffer = ByteBuffer(bytes: wire[offset..<(offset + size)])
            offset += size
            let before = buffer.readableBytes
            do {
                let greeting = try decoder.decode(&buffer)
                consumed += before - buffer.readableBytes
                require(decoder.bytesReceived == min(consumed, Greeting.size), "bytesReceived disagrees")
                if let greeting {
                    require(consumed == Greeting.size, "a greeting after \(consumed) bytes")
                    return .greeting(greeting, leftover: buffer.readableBytes + wire.count - offset)
                }
            } catch {
                require(decoder.bytesReceived <= Greeting.size, "read \(decoder.bytesReceived) greeting bytes")
                return .failed(error.category)
            }
        }
        return .needsMore(consumed: consumed)
    }
}
