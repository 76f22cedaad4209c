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
