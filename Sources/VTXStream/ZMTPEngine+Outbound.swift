import NIOCore
import VTXCore
import ZMTP

extension ZMTPEngine {
    // The outbound half of the data phase: draining the socket's pipe onto the connection in batches.

    /// A buffer for the next batch: the last one written, emptied, when the channel has written it (so it is
    /// this engine's alone again and is reused without an allocation: with one message in flight, a drain per
    /// message allocated one), or a new one. An emptied buffer the channel still holds gets fresh storage, not a
    /// copy, so reusing it never touches bytes still being written.
    func takeBatch(_ allocator: ByteBufferAllocator) -> ByteBuffer {
        guard var buffer = spareBatch else { return allocator.buffer(capacity: ZMTPEngine.batchSize) }
        spareBatch = nil
        buffer.clear()
        return buffer
    }

    /// Moves whatever the socket has queued onto the connection, in batches, with one flush at the end.
    func drainOutbound() {
        guard case .ready = state, let context, let pipe else { return }
        let channel = context.channel
        var wrote = false
        var more = true
        var budget = ZMTPEngine.drainLimit
        while more, budget > 0, channel.isWritable {
            var buffer = takeBatch(channel.allocator)
            var large: Message?
            do throws(ZMTPError) {
                more = try fillBatch(&buffer, from: pipe, large: &large)
            } catch {
                fail(protocolError: error)
                return
            }
            if let large { budget -= write(large, after: &buffer, context) }
            if buffer.readableBytes > 0 {
                budget -= buffer.readableBytes
                context.write(wrapOutboundOut(buffer), promise: nil)
                wrote = true
            }
            // Kept for the next batch whether written or not: a drain that found nothing to send is common (one
            // message in flight), and must not cost an allocation either.
            spareBatch = buffer
            wrote = wrote || large != nil
        }
        if wrote { context.flush() }
        if more, budget <= 0, channel.isWritable {
            // Past the limit: once the flushed bytes have reached the socket (whose writability then tells the
            // truth), go on; a full socket stops the drain until `channelWritabilityChanged`.
            context.eventLoop.execute { [self] in drainOutbound() }
        }
        if pipe.isPeerClosed { pipeClosedBySocket() }
    }

    /// Encodes queued messages into `buffer` until it holds about ``batchSize`` bytes; returns `false` once the
    /// pipe has run dry. Plain frames (NULL, no subscription commands) are written straight into the buffer's
    /// memory, one access for the whole batch; a message that does not fit there, and every message of a
    /// connection that needs translating, goes through ``encode(_:into:)``. A message with a body of
    /// ``largeBodySize`` or more that may go out as it is ends the batch early in `large`, unencoded: see
    /// ``write(_:after:_:)``. Every message is read into one variable (`MessagePipe.read(into:)`): a message of
    /// inline frames is overwritten by the next one at no cost, where reading each into a new value cost a copy
    /// and a destroy of it through the value witnesses.
    func fillBatch(_ buffer: inout ByteBuffer, from pipe: MessagePipe, large: inout Message?) throws(ZMTPError) -> Bool {
        if plainFrames {
            var dry = false
            // The message read in this closure is the closure's own variable: one captured from outside is copied
            // (and the copy destroyed) for every `encode` call, as the closure could change it meanwhile.
            var unfit: Message?
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: ZMTPEngine.batchSize) { memory in
                var next = Message()
                var offset = 0
                while offset < ZMTPEngine.batchSize {
                    guard pipe.read(into: &next) else {
                        dry = true
                        break
                    }
                    guard let end = FrameEncoder.encode(next, into: memory, at: offset) else {
                        unfit = next
                        break
                    }
                    offset = end
                }
                return offset
            }
            if dry { return false }
            if let unfit {
                if hasLargeBody(unfit) {
                    large = unfit
                    return true
                }
                try encode(unfit, into: &buffer)
            }
        }
        var message = Message()
        while buffer.readableBytes < ZMTPEngine.batchSize {
            guard pipe.read(into: &message) else { return false }
            if hasLargeBody(message) {
                large = message
                return true
            }
            try encode(message, into: &buffer)
        }
        return true
    }

    /// Appends one message from the socket in its wire form: plain frames for NULL, a SUBSCRIBE/CANCEL command
    /// for a subscription to a 3.1 peer, or whatever the mechanism makes of it.
    func encode(_ message: Message, into buffer: inout ByteBuffer) throws(ZMTPError) {
        if plainFrames {
            FrameEncoder.encode(message, into: &buffer)
            return
        }
        if framesPassThrough {
            switch encoding.translate(message) {
            case .message(let message): FrameEncoder.encode(message, into: &buffer)
            case .command(let command): FrameEncoder.encode(command, into: &buffer)
            }
            return
        }
        switch encoding.translate(message) {
        case .message(let message): try mechanism.encode(message, into: &buffer)
        case .command(let command): try mechanism.encode(command, into: &buffer)
        }
    }
}
