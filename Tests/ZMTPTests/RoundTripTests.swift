import NIOCore
import Testing
import VTXCore
import ZMTP

@Suite("Round trips", .timeLimit(.minutes(1)))
struct RoundTripTests {
    @Test(arguments: [0, 1, 32, 33, 255, 256, 1023, 1024, 65536])
    func singleFrame(size: Int) throws {
        let message = Message(patternFrame(size))
        try DecoderVerifier.verify(encoded(message), expected: [.message(message)])
    }

    @Test func oneMebibyteFrame() throws {
        let message = Message(patternFrame(1 << 20, seed: 3))
        let wire = encoded(message)
        #expect(Array(wire.prefix(9)) == hex("02 00 00 00 00 00 10 00 00"))
        try DecoderVerifier.verify(wire, expected: [.message(message)], bytewise: false)
        // One byte at a time for the header and the first bytes, then the rest in one piece.
        var decoder = FrameDecoder(maxMessageSize: 1 << 20)
        for byte in wire.prefix(20) {
            var one = buffer([byte])
            #expect(try decoder.next(&one) == nil)
        }
        var rest = buffer(Array(wire.dropFirst(20)))
        #expect(try decoder.next(&rest) == .message(message))
    }

    @Test func multipart() throws {
        let message: Message = [Frame(), patternFrame(255), patternFrame(256), "tail", patternFrame(1 << 20)]
        try DecoderVerifier.verify(encoded(message), expected: [.message(message)], bytewise: false)
        let small: Message = [Frame(), patternFrame(255), patternFrame(256), "tail", Frame()]
        try DecoderVerifier.verify(encoded(small), expected: [.message(small)])
    }

    @Test func messagesAndCommandsInterleaved() throws {
        var wire: [UInt8] = []
        var expected: [ZMTPItem] = []
        for index in 0..<200 {
            let message: Message = [Frame("k\(index)"), patternFrame(index * 3)]
            wire += encoded(message)
            expected.append(.message(message))
            if index % 7 == 0 {
                let command = Command.ping(ttl: UInt16(index), context: Frame("c\(index)"))
                wire += encoded(command)
                expected.append(.command(command))
            }
        }
        try DecoderVerifier.verify(wire, expected: expected)
    }
}
