import Logging
import NIOCore
import VTXCore
import ZMTP

extension ZMTPEngine {
    // Heartbeats (PING, PONG, TTL) and how a connection fails: reported, logged, closed.

    // MARK: Heartbeats

    func startHeartbeats(_ context: ChannelHandlerContext) {
        guard let interval = endpoint.options.heartbeatInterval, interval > .zero else { return }
        let timeout = endpoint.options.heartbeatTimeout ?? interval
        let ttl = endpoint.options.heartbeatTTL ?? .zero
        heartbeatTimer = context.eventLoop.scheduleRepeatedTask(
            initialDelay: interval.timeAmount,
            delay: interval.timeAmount
        ) { [self] _ in
            guard case .ready = state, let context = self.context else { return }
            let sentAt = NIODeadline.now()
            var buffer = context.channel.allocator.buffer(capacity: 32)
            do throws(ZMTPError) {
                try mechanism.encode(Command.ping(ttl: ttl), into: &buffer)
            } catch {
                fail(protocolError: error)
                return
            }
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            context.eventLoop.scheduleTask(in: timeout.timeAmount) { [self] in
                guard case .ready = state, lastReceived < sentAt else { return }
                fail(VTXError(.timedOut, "no traffic from \(peerAddress) within \(timeout) of a PING"), protocol: false)
            }
        }
    }

    /// The peer asked to be dropped if it stays silent for `ttl` (its PING's time-to-live).
    func armTimeToLive(_ ttl: Duration) {
        guard let context else { return }
        ttlTimer?.cancel()
        let armedAt = NIODeadline.now()
        ttlTimer = context.eventLoop.scheduleTask(in: ttl.timeAmount) { [self] in
            guard case .ready = state, lastReceived <= armedAt else { return }
            fail(VTXError(.timedOut, "\(peerAddress) sent nothing within its heartbeat TTL of \(ttl)"), protocol: false)
        }
    }

    // MARK: Failure

    func fail(protocolError error: ZMTPError) {
        fail(error.vtxError, protocol: true)
    }

    /// Ends the connection with an error: reports it, logs it, and closes.
    func fail(_ error: VTXError, protocol isProtocol: Bool) {
        guard state != .closed else { return }
        logger.info("dropping \(peerAddress) on \(endpoint.endpoint): \(error)")
        finish(error, protocol: isProtocol)
        context?.close(promise: nil)
    }

    func finish(_ error: VTXError?, protocol isProtocol: Bool) {
        let wasReady: Bool
        if case .ready = state { wasReady = true } else { wasReady = false }
        state = .closed
        failure = error
        failedOnProtocol = isProtocol
        if wasReady {
            endpoint.report(.disconnected(peerAddress, error))
        } else {
            endpoint.report(
                .handshakeFailed(peerAddress, error ?? VTXError(.handshakeFailed, "the connection closed during the handshake"))
            )
            endpoint.report(.disconnected(peerAddress, error))
        }
    }
}
