import Logging
import NIOCore
import VTXCore
import ZMTP

/// Told by a ``ZMTPEngine`` when its connection has ended. Called on the loop.
protocol ZMTPEngineOwner: AnyObject {
    func engineDidClose(_ engine: ZMTPEngine)
}

/// Runs one ZMTP session over a connected byte stream and joins it to a socket as a peer.
///
/// It sends the whole greeting at once, reads the peer's, runs the mechanism's handshake (sending no data before
/// it completes), then moves whole messages between the connection and the socket's pipe: inbound, every message
/// a read yields goes into the pipe with one flush per read; when the pipe is full, reading stops until the socket
/// makes room (back-pressure reaches the peer through TCP). Outbound, the engine drains the pipe into buffers of
/// about ``batchSize`` bytes and writes each batch with one system call. It answers PING, sends its own PINGs when
/// heartbeats are on, drops connections that stay silent past their timeouts, and reports every step to the
/// socket's monitors. Any protocol error closes the connection with a reason; it never reaches other peers.
///
/// Thread safety: confined to its channel's event loop.
final class ZMTPEngine: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Which side opened the connection.
    enum Role {
        case accepted
        case connected
    }

    enum State {
        case greeting
        case handshake
        case ready
        case closed
    }

    /// The bytes gathered before a batch is written.
    static let batchSize = 8192

    /// The most bytes one drain writes before it flushes and lets the event loop run. A handler in front of the
    /// socket (TLS) holds unflushed writes where the channel's writability does not see them, so a drain that
    /// flushed only at the end could take a whole pipe into memory while the peer reads nothing.
    static let drainLimit = 256 * 1024

    let endpoint: DriverEndpoint
    let role: Role
    let peerAddress: String
    let logger: Logger
    private weak var owner: (any ZMTPEngineOwner)?
    let bridge: PipeBridge
    /// Whether the pipe belongs to this connection (made at the handshake, closed with the connection) rather
    /// than to a connect that outlives it.
    let ownsPipe: Bool
    @exclusivity(unchecked) var pipe: MessagePipe?

    // The engine runs on its channel's event loop only, with no overlapping accesses to these hot fields, so
    // their dynamic exclusivity checks are turned off. They are internal rather than private only so that the
    // engine's own extensions (ZMTPEngine+Handshake.swift, ZMTPEngine+Heartbeats.swift) reach them; nothing else
    // in the module does.
    @exclusivity(unchecked) var state = State.greeting
    /// The greeting and security handshake; `nil` before the connection is active and after the handshake.
    var handshake: ZMTPHandshake?
    /// The mechanism, after the handshake: it encodes and decodes every frame unless it passes them through.
    @exclusivity(unchecked) var mechanism: any Mechanism = NullMechanism(socketType: .pair)
    @exclusivity(unchecked) var decoder: FrameDecoder
    @exclusivity(unchecked) var encoding = SubscriptionEncoding(usesCommands: false)
    /// Whether frames travel unchanged (NULL and PLAIN): the fast paths apply. Set at the handshake.
    @exclusivity(unchecked) var framesPassThrough = true
    /// Whether messages go out as plain frames (frames pass through, no subscription commands); set at the handshake.
    @exclusivity(unchecked) var plainFrames = false
    @exclusivity(unchecked) var context: ChannelHandlerContext?
    @exclusivity(unchecked) var stalled: Message?
    @exclusivity(unchecked) var stash: ByteBuffer?
    /// The last batch written, kept to be filled again once the channel has let go of it (see `drainOutbound`).
    @exclusivity(unchecked) var spareBatch: ByteBuffer?
    @exclusivity(unchecked) var lastReceived = NIODeadline.now()
    var handshakeTimer: Scheduled<Void>?
    var heartbeatTimer: RepeatedTask?
    var ttlTimer: Scheduled<Void>?
    var closingGracefully = false
    var lingerTimer: Scheduled<Void>?
    /// The peer has closed its side; what is held is still delivered, then the connection closes.
    var inputClosed = false

    /// Why the connection ended, when it was an error.
    var failure: VTXError?
    /// Whether it ended on a protocol error (after which a connect does not retry, as in libzmq).
    var failedOnProtocol = false
    /// Whether the handshake completed.
    var didHandshake = false

    init(
        endpoint: DriverEndpoint,
        role: Role,
        peerAddress: String,
        pipe: MessagePipe?,
        bridge: PipeBridge,
        owner: (any ZMTPEngineOwner)?,
        logger: Logger
    ) {
        self.endpoint = endpoint
        self.role = role
        self.peerAddress = peerAddress
        self.pipe = pipe
        self.ownsPipe = pipe == nil
        self.bridge = bridge
        self.owner = owner
        var logger = logger
        logger[metadataKey: "vtx-endpoint"] = "\(endpoint.endpoint)"
        logger[metadataKey: "vtx-peer"] = "\(peerAddress)"
        self.logger = logger
        self.decoder = FrameDecoder(maxMessageSize: endpoint.options.maxMessageSize, acceptsDataFrames: false)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func start(_ context: ChannelHandlerContext) {
        guard case .greeting = state, handshakeTimer == nil else { return }
        lastReceived = .now()
        endpoint.report(role == .connected ? .connected(peerAddress) : .accepted(peerAddress))
        let handshakeContext = HandshakeContext(
            socketType: endpoint.socketType,
            routingId: endpoint.options.routingId ?? Frame(),
            zapDomain: endpoint.options.security.zapDomain,
            zapAddress: context.channel.remoteAddress?.ipAddress ?? "",
            peerDescription: peerAddress
        )
        let opening: ZMTPHandshake
        do throws(VTXError) {
            let mechanism = try MechanismFactory.make(
                for: endpoint.options.security, context: handshakeContext,
                maxMessageSize: endpoint.options.maxMessageSize
            )
            opening = ZMTPHandshake(mechanism: mechanism, maxMessageSize: endpoint.options.maxMessageSize)
        } catch {
            fail(error, protocol: true)
            return
        }
        handshake = opening
        // Send the whole greeting at once: libzmq waits for our first 11 bytes before sending the rest of its own.
        var buffer = context.channel.allocator.buffer(capacity: Greeting.size)
        opening.greeting.write(to: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        let limit = endpoint.options.handshakeInterval ?? .seconds(3600)
        handshakeTimer = context.eventLoop.scheduleTask(in: limit.timeAmount) { [self] in
            guard !didHandshake else { return }
            fail(VTXError(.timedOut, "the handshake with \(peerAddress) did not complete within \(limit)"), protocol: false)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastReceived = .now()
        var buffer = unwrapInboundIn(data)
        if stalled != nil {
            // Reading is paused, but a read was already under way: keep the bytes for later.
            if stash == nil { stash = buffer } else { stash!.writeBuffer(&buffer) }
            return
        }
        process(&buffer)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { drainOutbound() }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(VTXError.fromSystem(error, doing: "the connection with \(peerAddress)"), protocol: false)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if state != .closed {
            let error = didHandshake
                ? truncationError()
                : VTXError(.handshakeFailed, "\(peerAddress) closed the connection during the handshake")
            if let error { logger.info("dropping \(peerAddress) on \(endpoint.endpoint): \(error)") }
            finish(error, protocol: false)
        }
        handshakeTimer?.cancel()
        lingerTimer?.cancel()
        heartbeatTimer?.cancel()
        ttlTimer?.cancel()
        self.context = nil
        if stalled != nil {
            // The peer is gone but sent more than the socket has taken yet: keep the pipe (and the bridge, which
            // brings the `.writable` events) until what it sent is delivered.
            inputClosed = true
        } else {
            releasePipe()
        }
        owner?.engineDidClose(self)
        context.fireChannelInactive()
    }

    /// Stops serving the pipe; closes it when it belongs to this connection only.
    func releasePipe() {
        bridge.detach(self)
        if ownsPipe { pipe?.close() }
    }

    /// The peer half-closed its side (the channel allows remote half-closure): deliver what is held first,
    /// as libzmq does by not reading the end of the stream while the socket is full, then close.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            inputClosed = true
            finishInputIfDone()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func finishInputIfDone() {
        guard inputClosed, stalled == nil, state != .closed, let context else { return }
        if didHandshake, let error = truncationError() {
            fail(error, protocol: false)
        } else {
            context.close(promise: nil)
        }
    }

    /// The error for a stream that ended in the middle of a message, or `nil` when it ended cleanly.
    func truncationError() -> VTXError? {
        guard decoder.hasPartialInput else { return nil }
        return ZMTPError(
            .invalidFrame,
            "\(peerAddress) closed the connection in the middle of a message; the partial message was discarded"
        ).vtxError
    }

    // MARK: Inbound

    func process(_ buffer: inout ByteBuffer) {
        do throws(ZMTPError) {
            if state == .greeting || state == .handshake {
                guard var opening = handshake else { return }
                let output = try opening.receive(&buffer)
                handshake = opening
                guard carryOut(output) else { return }
            }
            if case .ready = state {
                try deliver(&buffer)
            }
        } catch {
            fail(protocolError: error)
        }
    }

    func deliver(_ buffer: inout ByteBuffer) throws(ZMTPError) {
        guard let pipe else { return }
        var wrote = false
        defer { if wrote { pipe.flush() } }
        while true {
            if framesPassThrough {
                // Runs of short single-frame messages (most traffic) go straight from the bytes into the pipe.
                var held: Message?
                let decoded = decoder.decodeShortMessages(from: &buffer) { message in
                    if pipe.write(moving: &message) { return true }
                    held = message
                    return false
                }
                if decoded > (held == nil ? 0 : 1) { wrote = true }
                if let held {
                    stall(holding: held, rest: &buffer)
                    return
                }
            }
            guard let wireItem = try decoder.next(&buffer) else { return }
            // A mechanism that encrypts opens each frame; it yields nothing until a whole message is open.
            guard let item = framesPassThrough ? wireItem : try mechanism.decode(wireItem) else { continue }
            let inbound: Message?
            switch consume item {
            case .message(let message):
                inbound = message
            case .command(let command):
                inbound = try handle(command)
            }
            guard var message = consume inbound else { continue }
            if !pipe.write(moving: &message) {
                stall(holding: message, rest: &buffer)
                return
            }
            wrote = true
        }
    }

    /// The socket is full: holds `message`, keeps the rest of the input, and stops reading until the socket makes
    /// room (its `.writable` event).
    func stall(holding message: Message, rest buffer: inout ByteBuffer) {
        stalled = message
        stash = buffer.readableBytes > 0 ? buffer : nil
        buffer.moveReaderIndex(to: buffer.writerIndex)
        context?.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
    }

    /// Handles a command after the handshake; returns a message for the socket when the command carries one.
    func handle(_ command: Command) throws(ZMTPError) -> Message? {
        switch command {
        case .ping(let ttl, let pingContext):
            guard let context else { return nil }
            var pong = context.channel.allocator.buffer(capacity: 32)
            try mechanism.encode(Command.pong(answering: pingContext), into: &pong)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
            if ttl > 0 { armTimeToLive(.milliseconds(Int64(ttl) * 100)) }
            return nil
        case .pong:
            return nil
        case .subscribe, .cancel:
            // Only publishers act on subscriptions; for any other socket they are noise, not messages.
            guard endpoint.socketType == .pub || endpoint.socketType == .xpub else {
                logger.debug("ignoring \(command.name) from \(peerAddress): a \(endpoint.socketType) takes no subscriptions")
                return nil
            }
            return SubscriptionEncoding.message(for: command)
        case .error(let reason), .libzmqPlainError(let reason):
            throw ZMTPError(.peerError, "the peer sent ERROR \"\(reason)\"", peerReason: reason)
        case .ready:
            throw ZMTPError(.unexpectedCommand, "READY after the handshake")
        case .other(let name, _):
            // libzmq ignores commands it does not know; so do we.
            logger.debug("ignoring unknown command \(name) from \(peerAddress)")
            return nil
        }
    }

    /// The socket made room in its pipe: deliver the held message and resume reading.
    func pipeBecameWritable() {
        guard let pipe, var message = stalled else { return }
        guard pipe.write(moving: &message) else {
            stalled = message
            return
        }
        stalled = nil
        pipe.flush()
        if var rest = stash {
            stash = nil
            if case .ready = state {
                process(&rest)
            } else {
                // The connection has ended: deliver the rest of what the peer sent; a protocol error in it ends
                // the delivery (the connection is already reported).
                do throws(ZMTPError) { try deliver(&rest) } catch {}
            }
        }
        guard stalled == nil else { return }
        guard let context else {
            releasePipe()
            return
        }
        if inputClosed {
            finishInputIfDone()
        } else {
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
            context.read()
        }
    }

    // MARK: Outbound

    /// The socket closed its end (it closed, or disconnected this peer): send what it queued, then close.
    func pipeClosedBySocket() {
        closeGracefully(linger: endpoint.options.linger)
    }

    /// Sends what is queued, then closes; gives up and closes anyway after `linger` (`nil`: 30 s at most). A
    /// connect still in its handshake waits for the handshake to finish first (within the same limit), so that
    /// messages queued before the socket closed are not lost.
    func closeGracefully(linger: Duration?) {
        guard let context, state != .closed, !closingGracefully else { return }
        closingGracefully = true
        let limit = linger ?? .seconds(30)
        let nothingQueued = pipe == nil || pipe?.checkRead() == false
        guard limit > .zero, !(nothingQueued && !didHandshake) else {
            context.close(promise: nil)
            return
        }
        let channel = context.channel
        lingerTimer = context.eventLoop.scheduleTask(in: limit.timeAmount) { channel.close(promise: nil) }
        if case .ready = state { flushAndClose() }
    }

    /// Writes everything the socket queued (whatever the connection's writability) and closes once written.
    func flushAndClose() {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: ZMTPEngine.batchSize)
        if let pipe {
            while let message = pipe.read() {
                if hasLargeBody(message) {
                    _ = write(message, after: &buffer, context)
                    continue
                }
                do throws(ZMTPError) { try encode(message, into: &buffer) } catch { break }
            }
        }
        let flushed = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: flushed)
        let channel = context.channel
        flushed.futureResult.whenComplete { [self] _ in
            lingerTimer?.cancel()
            channel.close(promise: nil)
        }
    }

}
