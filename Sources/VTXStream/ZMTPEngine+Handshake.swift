import Logging
import NIOCore
import VTXCore
import ZMTP

extension ZMTPEngine {
    // The opening of the connection: carrying out what `ZMTPHandshake` asks (commands, ZAP, failure), then
    // handing the connection over to the data phase.

    /// Carries out what the handshake asked: writes its commands, asks ZAP, fails, or completes. Returns whether
    /// the handshake completed (data may follow).
    func carryOut(_ output: ZMTPHandshake.Output) -> Bool {
        guard let opening = handshake else { return false }
        if state == .greeting, opening.peerGreeting != nil { state = .handshake }
        send(output.commands)
        if let failure = output.failure {
            fail(protocolError: failure)
            return false
        }
        if let request = output.authenticate {
            let loop = context?.eventLoop
            let limit = endpoint.options.handshakeInterval ?? .seconds(30)
            endpoint.authenticate(request, timeout: limit) { [self] outcome in
                loop?.execute { self.resumeHandshake(with: outcome) }
            }
            return false
        }
        guard opening.isComplete else { return false }
        completeHandshake()
        return state == .ready
    }

    /// The ZAP handler answered: go on with the handshake, then deliver what the peer sent meanwhile.
    func resumeHandshake(with outcome: ZAPOutcome) {
        guard state == .handshake, var opening = handshake else { return }
        do throws(ZMTPError) {
            let output = try opening.resume(with: outcome)
            var leftover = opening.takeLeftover()
            handshake = opening
            guard carryOut(output), var rest = leftover else { return }
            leftover = nil
            try deliver(&rest)
        } catch {
            fail(protocolError: error)
        }
    }

    /// Writes handshake commands as plain command frames.
    func send(_ commands: [Command]) {
        guard !commands.isEmpty, let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        for command in commands { FrameEncoder.encode(command, into: &buffer) }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func completeHandshake() {
        guard let context, let opening = handshake, let properties = opening.mechanism.peer,
            let greeting = opening.peerGreeting
        else { return }
        handshakeTimer?.cancel()
        handshake = nil
        mechanism = opening.mechanism
        decoder = opening.decoder
        encoding = SubscriptionEncoding(localType: endpoint.socketType, peerGreeting: greeting)
        framesPassThrough = mechanism.passesFramesThrough
        plainFrames = framesPassThrough && !encoding.usesCommands
        if pipe == nil {
            do {
                pipe = try endpoint.attach(peer: properties.peerInfo(address: peerAddress), sink: bridge)
            } catch {
                // The socket closed meanwhile (or refused the peer): drop the connection quietly.
                fail(error, protocol: error.code == .incompatibleSocketType)
                return
            }
        }
        if !ownsPipe {
            // A connect's pipe was made before the peer was known: tell the socket who sends what follows.
            pipe?.announce(properties.peerInfo(address: peerAddress).makeMetadata())
        }
        state = .ready
        didHandshake = true
        bridge.attach(self)
        endpoint.report(.handshakeSucceeded(peerAddress))
        if closingGracefully {
            // The socket closed while we were connecting: send what it queued, then close.
            flushAndClose()
            return
        }
        startHeartbeats(context)
        drainOutbound()
        context.flush()
    }
}
