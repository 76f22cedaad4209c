import NIOCore
import Testing
import VTXCore
import ZMTP

/// The decoder's caps on what a peer can make a connection hold (issue 14: bounded memory per connection), and its
/// strict checks of empty commands.
@Suite("Frame decoder: limits", .timeLimit(.minutes(1)))
struct DecoderLimitTests {
    /// An 8-byte size for a command body of `size` bytes, flags `06` (command, LONG).
    private func longCommandHeader(_ size: Int) -> [UInt8] {
        [0x06] + withUnsafeBytes(of: UInt64(size).bigEndian) { Array($0) }
    }

    /// A frame claiming more than the machine's memory, with no maxMessageSize, is refused at its header: before
    /// the fix it was gathered as long as bytes came (2.1 GB in 20 s from one connection).
    @Test func claimBeyondMemoryIsRefusedAtTheHeader() {
        var decoder = FrameDecoder()
        var input = buffer(hex("02 40 00 00 00 00 00 00 00") + ascii("the body starts here"))
        let error = expectZMTPError(.messageTooLarge) { _ = try decoder.next(&input) }
        #expect(error?.message.contains("could ever hold") == true, "\(String(describing: error))")
        #expect(input.readableBytes == 20, "the decoder read past the header")
        #expect(FrameDecoder.largestHoldableSize > 1 << 20)
    }

    /// A multipart message whose frames together pass the machine's memory is refused at the frame that does.
    @Test func multipartBeyondMemoryIsRefused() {
        var decoder = FrameDecoder()
        let rest = UInt64(FrameDecoder.largestHoldableSize)
        var input = buffer(hex("01 01") + ascii("a") + [0x02] + withUnsafeBytes(of: rest.bigEndian) { Array($0) })
        let error = expectZMTPError(.messageTooLarge) { _ = try decoder.next(&input) }
        #expect(error?.message.contains("multipart") == true, "\(String(describing: error))")
    }

    /// During the handshake a command may be at most maxHandshakeCommandSize bytes, even with no maxMessageSize.
    @Test func handshakeCommandCap() throws {
        var decoder = FrameDecoder(acceptsDataFrames: false)
        var input = buffer(longCommandHeader(FrameDecoder.maxHandshakeCommandSize + 1))
        let error = expectZMTPError(.messageTooLarge) { _ = try decoder.next(&input) }
        #expect(error?.message.contains("during the handshake") == true, "\(String(describing: error))")
        // The largest allowed READY decodes.
        let name = [UInt8](repeating: 0x58, count: 200)
        let value = [UInt8](repeating: 0x61, count: FrameDecoder.maxHandshakeCommandSize - 6 - 1 - 200 - 4)
        let body = [5] + ascii("READY") + [UInt8(name.count)] + name + withUnsafeBytes(of: UInt32(value.count).bigEndian) { Array($0) } + value
        #expect(body.count == FrameDecoder.maxHandshakeCommandSize)
        var ready = buffer(longCommandHeader(body.count) + body)
        var accepting = FrameDecoder(acceptsDataFrames: false)
        guard case .command(.ready(let metadata)) = try accepting.next(&ready) else {
            Issue.record("the largest READY did not decode")
            return
        }
        #expect(metadata.count == 1)
    }

    /// After the handshake a command may be at most maxCommandSize bytes (1 MiB), or maxMessageSize when smaller.
    @Test func commandCapAfterTheHandshake() {
        var decoder = FrameDecoder()
        var input = buffer(longCommandHeader(FrameDecoder.maxCommandSize + 1))
        expectZMTPError(.messageTooLarge) { _ = try decoder.next(&input) }
        var limited = FrameDecoder(maxMessageSize: 100)
        var ping = buffer(longCommandHeader(101))
        expectZMTPError(.messageTooLarge) { _ = try limited.next(&ping) }
    }

    /// A command frame of size 0 is refused as soon as its next byte shows it is not libzmq 4.3.4's 8-byte size
    /// (before the fix it waited for seven more bytes and then for a body, until the handshake timed out).
    @Test(arguments: [
        ("04 00 04", "a READY's header after it"),
        ("04 00 00 00 00 00 00 02", "an 8-byte size past 265"),
        ("04 00 00 00 00 00 00 00 05", "an 8-byte size of 5"),
        ("04 00 00 00 00 00 00 00 00", "an 8-byte size of 0"),
    ])
    func emptyCommandIsRefused(_ input: String, _ what: String) {
        var decoder = FrameDecoder(acceptsDataFrames: false)
        var bytes = buffer(hex(input))
        let error = expectZMTPError(.invalidFrame) { _ = try decoder.next(&bytes) }
        #expect(error?.message.contains("size of 0") == true, "\(what): \(String(describing: error))")
    }

    /// A long command with an explicit size of 0 is refused too.
    @Test func longEmptyCommandIsRefused() {
        var decoder = FrameDecoder()
        var input = buffer(longCommandHeader(0))
        expectZMTPError(.invalidFrame) { _ = try decoder.next(&input) }
    }

    /// libzmq 4.3.4's CANCEL of a 246-byte topic (253 bytes, 8-byte size without LONG) still decodes.
    @Test func libzmqShortestUnflaggedLongCancel() throws {
        let topic = [UInt8](repeating: 0x74, count: 246)
        var input = buffer(hex("04 00 00 00 00 00 00 00 fd 06") + ascii("CANCEL") + topic)
        var decoder = FrameDecoder()
        #expect(try decoder.next(&input) == .command(.cancel(topic: Frame(topic))))
    }

    /// READY metadata with an empty property name, or a name given twice (in any case), is refused.
    @Test(arguments: [
        ([(UInt8(0), ""), (11, "Socket-Type")], "empty name"),
        ([(11, "Socket-Type"), (11, "socket-type")], "repeats"),
    ])
    func strictMetadata(_ names: [(UInt8, String)], _ expected: String) {
        var body: [UInt8] = [5] + ascii("READY")
        for (length, name) in names {
            body += [length] + ascii(name) + [0, 0, 0, 6] + ascii("DEALER")
        }
        var input = buffer([0x04, UInt8(body.count)] + body)
        var decoder = FrameDecoder(acceptsDataFrames: false)
        let error = expectZMTPError(.malformedCommand) { _ = try decoder.next(&input) }
        #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
    }
}
