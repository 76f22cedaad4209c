import NIOCore
import VTXCore
import ZMTP

extension ZMTPEngine {
    // Large messages go out without a staging copy: their bodies are handed to the channel as the buffers they
    // already are, beside the headers, and the kernel gathers them in one write. Copying a 256 MiB body into a
    // batch first doubled the sender's peak memory.

    /// The body size from which a frame is written from its own storage instead of being copied into a batch.
    static let largeBodySize = 64 * 1024

    /// Whether `message` has a body that should go out from its own storage: frames travel unchanged (NULL and
    /// PLAIN, not translated into a subscription command), and one body is ``largeBodySize`` or more.
    func hasLargeBody(_ message: Message) -> Bool {
        guard framesPassThrough else { return false }
        var large = false
        for frame in message where frame.count >= ZMTPEngine.largeBodySize {
            large = true
            break
        }
        guard large else { return false }
        if plainFrames { return true }
        if case .message = encoding.translate(message) { return true }
        return false
    }

    /// Writes `message` (see ``hasLargeBody(_:)``) after what `buffer` holds: small frames and every header go
    /// into the batch, and each large body is written as a buffer of its own, sharing the frame's storage (no
    /// copy when the frame is buffer-backed, as frames of 64 KiB and more made by `Frame(count:initializingWith:)`
    /// and received ones are). Leaves in `buffer` what follows the last large body. Returns the bytes written.
    func write(_ message: Message, after buffer: inout ByteBuffer, _ context: ChannelHandlerContext) -> Int {
        var written = 0
        let last = message.endIndex - 1
        for index in message.indices {
            let frame = message[index]
            let more = index != last
            guard frame.count >= ZMTPEngine.largeBodySize else {
                FrameEncoder.encode(frame, more: more, into: &buffer)
                continue
            }
            FrameEncoder.writeHeader(flags: more ? .more : [], bodySize: frame.count, to: &buffer)
            written += buffer.readableBytes + frame.count
            context.write(wrapOutboundOut(buffer), promise: nil)
            context.write(wrapOutboundOut(frame.byteBuffer(allocator: context.channel.allocator)), promise: nil)
            buffer = context.channel.allocator.buffer(capacity: ZMTPEngine.batchSize)
        }
        return written
    }
}
