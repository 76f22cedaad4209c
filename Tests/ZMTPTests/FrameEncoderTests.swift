import NIOCore
import Testing
import VTXCore
import ZMTP

@Suite("Frame encoder", .timeLimit(.minutes(1)))
struct FrameEncoderTests {
    /// Header bytes at the short/long boundary. Layout from RFC 23 §"Framing" (flags, then a 1-byte size, or with
    /// LONG 0x02 an 8-byte big-endian size); libzmq uses the short form iff the size is at most 255
    /// (reference/zmtp-security.md §2, libzmq `v2_encoder.cpp`).
    @Test(arguments: [
        (0, "00 00"),
        (1, "00 01"),
        (255, "00 ff"),
        (256, "02 00 00 00 00 00 00 01 00"),
        (65536, "02 00 00 00 00 00 01 00 00"),
    ])
    func headers(size: Int, header: String) {
        let frame = patternFrame(size)
        var out = ByteBuffer()
        FrameEncoder.encode(frame, more: false, into: &out)
        #expect(Array(bytes(of: out).prefix(hex(header).count)) == hex(header))
        #expect(out.readableBytes == hex(header).count + size)
        #expect(Array(bytes(of: out).dropFirst(hex(header).count)) == frame.bytes)
        #expect(FrameEncoder.headerSize(forBodySize: size) == hex(header).count)
    }

    /// Encoding into raw memory (the engine's batch path) writes exactly the bytes the `ByteBuffer` encoder
    /// appends, for every message shape and at any offset, and writes nothing when the message does not fit.
    @Test func encodingIntoMemoryMatchesTheBufferEncoder() {
        let messages: [Message] = [
            "", "x", Message(patternFrame(32)), Message(patternFrame(33)), Message(patternFrame(255)),
            Message(patternFrame(256)), ["a", Frame(), patternFrame(300)], [patternFrame(1000), patternFrame(255)],
        ]
        for message in messages {
            let expected = encoded(message)
            for offset in [0, 1, 7] {
                let exact = offset + expected.count
                var memory = [UInt8](repeating: 0xEE, count: exact + 3)
                let end = memory.withUnsafeMutableBytes { raw in
                    FrameEncoder.encode(message, into: UnsafeMutableRawBufferPointer(rebasing: raw[..<exact]), at: offset)
                }
                #expect(end == exact)
                #expect(Array(memory[offset..<exact]) == expected)
                #expect(memory[..<offset].allSatisfy { $0 == 0xEE } && memory[exact...].allSatisfy { $0 == 0xEE })

                var short = [UInt8](repeating: 0xEE, count: exact - 1)
                let refused = short.withUnsafeMutableBytes { FrameEncoder.encode(message, into: $0, at: offset) }
                #expect(refused == nil)
                #expect(short.allSatisfy { $0 == 0xEE }, "nothing is written when the message does not fit")
            }
        }
        var any = [UInt8](repeating: 0, count: 16)
        #expect(any.withUnsafeMutableBytes { FrameEncoder.encode(Message(), into: $0, at: 0) } == nil)
    }

    @Test func moreFlagOnAllButTheLastFrame() {
        let message: Message = ["a", Frame(), patternFrame(256)]
        let out = encoded(message)
        #expect(Array(out[0..<3]) == hex("01 01 61"))
        #expect(Array(out[3..<5]) == hex("01 00"))
        #expect(Array(out[5..<14]) == hex("02 00 00 00 00 00 00 01 00"))
        #expect(out.count == FrameEncoder.encodedSize(of: message))
    }

    /// A data frame as libzmq sends it (libzmq tests/test_stream.cpp transcript: `00 05 Hello`).
    @Test func helloFrame() {
        #expect(encoded(Message("Hello")) == hex("00 05") + ascii("Hello"))
    }

    @Test func emptyMessageWritesNothing() {
        #expect(encoded(Message()).isEmpty)
    }

    /// The engine batches: many messages appended to one buffer are the concatenation of their encodings.
    @Test func batchingAppends() {
        var out = ByteBuffer()
        var expected: [UInt8] = []
        for index in 0..<500 {
            let message: Message = [Frame("id-\(index)"), Frame(), patternFrame(index % 300)]
            FrameEncoder.encode(message, into: &out)
            expected += encoded(message)
        }
        Command.ping(ttl: 5, context: Frame()).write(to: &out)
        expected += encoded(Command.ping(ttl: 5, context: Frame()))
        #expect(bytes(of: out) == expected)
    }

    @Test func commandFramesUseTheLongFormAbove255Bytes() {
        let topic = patternFrame(300)
        let out = encoded(Command.subscribe(topic: topic))
        // flags COMMAND|LONG = 06, size 1 + 9 + 300 = 310 = 0x136 (libzmq 4.3.5, zmtp-probe P3: `06 00 … 01 04`).
        #expect(Array(out[0..<9]) == hex("06 00 00 00 00 00 00 01 36"))
    }
}
