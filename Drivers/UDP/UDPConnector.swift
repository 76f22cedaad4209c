import Logging
import NIOCore
import VTXCore

/// One connect of a socket (`udp://HOST:PORT`, or `udp://*:PORT` to find a peer by broadcast), on a socket of its
/// own on a free port. An attempt sends OPEN every 100 ms until a peer answers or the attempt's time runs out; the
/// first OPEN-OK wins (a later one from another peer is closed), and the connection then runs with the address that
/// answered. When the connection ends, the core's reconnect loop sends `reconnect`, and the next attempt starts
/// over: a broadcast connect broadcasts again, so it finds another peer when its peer went away.
final class UDPConnector: UDPConnectionOwner {
    let endpoint: DriverEndpoint
    let address: UDPAddress
    private let engine: UDPEngine
    private let port: DatagramPort
    private var target: SocketAddress?
    private var earlyPipe: MessagePipe?
    private let sink: ConnectionSink
    private var connection: UDPConnection?
    /// The connection id of the attempt under way, if any.
    private var attemptId: UInt32?
    private var attemptTimer: Scheduled<Void>?
    private var needsAck = false
    private var closed = false
    private var started = false
    /// While a closed socket's queued messages wait for a first connection: until when to keep trying.
    private var lingerDeadline: NIODeadline?

    /// How long one attempt broadcasts or sends OPEN before it is reported failed.
    private var attemptDuration: Duration { min(address.options.peerTimeout, .seconds(2)) }

    init(endpoint: DriverEndpoint, address: UDPAddress, engine: UDPEngine) {
        self.endpoint = endpoint
        self.address = address
        self.engine = engine
        port = DatagramPort(loop: engine.loop, faults: address.options.faults, statistics: engine.statistics)
        sink = ConnectionSink(loop: engine.loop)
    }

    /// Resolves the target, answers the connect, attaches the early pipe if the core says so, and makes the first
    /// attempt once the socket is bound.
    func start() {
        let target: SocketAddress
        let local: SocketAddress
        do {
            target = try address.isWildcard
                ? UDPInterface.broadcastAddress(interface: address.options.interface, port: address.port)
                : UDPAddress.resolve(address.host, port: address.port)
            local = try UDPAddress.resolve(target.protocol == .inet6 ? "::" : "0.0.0.0", port: 0)
            earlyPipe = try endpoint.attachEarly(sink: sink)
        } catch {
            return endpoint.report(.connectFailed(error))
        }
        self.target = target
        endpoint.report(.connecting)
        port.bind(to: local, shared: false, broadcast: address.isWildcard) { [self] result in
            if case .failure(let error) = result {
                return endpoint.report(.connectFailed(UDPEngine.describe(error, doing: "connecting to \(endpoint.endpoint)")))
            }
            guard !closed else { return port.close() }
            port.onDatagram = { [self] in receive($0, from: $1) }
            port.onReadComplete = { [self] in
                if needsAck, let connection { connection.sendAck() }
                needsAck = false
            }
            started = true
            attempt()
        }
    }

    /// Makes one attempt (the first, or one the core asked for with `reconnect`).
    func attempt() {
        guard started, !closed || lingerDeadline != nil, connection == nil, attemptId == nil else { return }
        let id = engine.newConnectionId()
        attemptId = id
        let deadline = NIODeadline.now() + TimeAmount(attemptDuration)
        sendOpen(id: id, until: deadline)
    }

    private func sendOpen(id: UInt32, until deadline: NIODeadline) {
        guard attemptId == id, let target, !closed || lingerDeadline != nil else { return }
        if let lingerDeadline, NIODeadline.now() >= lingerDeadline {
            return finishClosing()  // the closed socket's linger ran out before any peer answered
        }
        guard NIODeadline.now() < deadline else {
            attemptId = nil
            if lingerDeadline != nil { return attempt() }  // the core's loop has stopped: keep trying while lingering
            let what = address.isWildcard ? "no peer answered a broadcast on port \(address.port)" : "no answer from \(endpoint.endpoint)"
            return endpoint.report(.connectAttemptFailed(VTXError(.timedOut, "\(what) within \(attemptDuration)")))
        }
        var buffer = ByteBuffer()
        UDPHeader(command: .open, socketType: endpoint.socketType.wireNumber, window: UInt16(address.options.window),
                  sourceId: id).write(to: &buffer)
        handshake.write(to: &buffer)
        port.send(buffer, to: target)
        attemptTimer = engine.loop.assumeIsolated().scheduleTask(in: .milliseconds(100)) { [self] in
            sendOpen(id: id, until: deadline)
        }
    }

    private var handshake: UDPHandshake {
        UDPHandshake(
            delivery: address.options.delivery(for: endpoint.socketType), peerTimeout: address.options.peerTimeout,
            routingId: endpoint.localPeerInfo.routingId?.bytes ?? [])
    }

    private func receive(_ datagram: ByteBuffer, from sender: SocketAddress) {
        guard let (header, datagram) = engine.parse(datagram, from: sender) else { return }
        if let connection, header.targetId == connection.localId {
            guard connection.remoteAddress == sender, connection.remoteId == header.sourceId else {
                if header.command == .openOK { return closeLoser(header, from: sender) }
                return engine.drop(.wrongSender, from: sender)
            }
            if header.command == .openOK { return }  // a repeated answer
            return connection.receive(header, body: datagram)
        }
        guard let id = attemptId, header.targetId == id else {
            return engine.drop(.unknownConnection, from: sender)
        }
        switch header.command {
        case .openOK: opened(header, body: datagram, from: sender)
        case .reject: rejected(body: datagram, from: sender)
        default: engine.drop(.unexpected, from: sender)
        }
    }

    /// A second peer answered a broadcast OPEN after the first: tell it to drop its half of the connection.
    private func closeLoser(_ header: UDPHeader, from sender: SocketAddress, reason: String = "another peer answered first") {
        var buffer = ByteBuffer()
        UDPHeader(command: .close, socketType: endpoint.socketType.wireNumber, sourceId: header.targetId,
                  targetId: header.sourceId).write(to: &buffer)
        buffer.writeString(String(reason.prefix(200)))
        port.send(buffer, to: sender)
    }

    private func opened(_ header: UDPHeader, body: ByteBuffer, from sender: SocketAddress) {
        defer { if lingerDeadline != nil { connection?.beginClosing() } }
        var body = body
        guard let id = attemptId, header.sourceId != 0, let hello = UDPHandshake.read(from: &body) else {
            return engine.drop(.malformedBody, from: sender)
        }
        attemptId = nil
        attemptTimer?.cancel()
        let peerAddress = UDPAddress.describe(sender)
        endpoint.report(.connected(peerAddress))
        let connection = UDPConnection(
            endpoint: endpoint, options: address.options, localId: id, remoteId: header.sourceId,
            remoteAddress: sender, peerHeartbeatLimit: hello.heartbeatLimit, port: port, owner: self,
            loop: engine.loop, statistics: engine.statistics, logger: engine.logger)
        let peer = PeerInfo(
            socketType: SocketType(wireNumber: header.socketType),
            routingId: hello.routingId.isEmpty ? nil : Frame(hello.routingId), address: peerAddress)
        let pipe: MessagePipe
        do throws(VTXError) {
            guard let type = peer.socketType else {
                throw VTXError(.handshakeFailed, "\(peerAddress) sent an unknown socket type \(header.socketType)")
            }
            try endpoint.checkCompatibility(with: type)
            if let earlyPipe {
                earlyPipe.announce(peer.makeMetadata())
                pipe = earlyPipe
            } else {
                pipe = try endpoint.attach(peer: peer, sink: sink)
            }
        } catch {
            closeLoser(header, from: sender, reason: error.message)
            endpoint.report(.handshakeFailed(peerAddress, error))
            endpoint.report(.connectAttemptFailed(error))
            return
        }
        self.connection = connection
        connection.start(pipe: pipe, owned: earlyPipe == nil, sink: sink)
        endpoint.report(.handshakeSucceeded(peerAddress))
    }

    private func rejected(body: ByteBuffer, from sender: SocketAddress) {
        var body = body
        let code = body.readInteger(as: UInt8.self).flatMap(UDPRejection.init(rawValue:)) ?? .other
        let reason = body.readString(length: body.readableBytes) ?? "no reason given"
        attemptId = nil
        attemptTimer?.cancel()
        let peerAddress = UDPAddress.describe(sender)
        let error = VTXError(
            code == .incompatibleSocketType ? .incompatibleSocketType : .handshakeFailed,
            "\(peerAddress) refused the connection: \(reason)")
        endpoint.report(.handshakeFailed(peerAddress, error))
        endpoint.report(.connectAttemptFailed(error))
        if lingerDeadline != nil { finishClosing() }  // the only peer refuses: nothing queued can be delivered
    }

    func connectionNeedsAck(_ connection: UDPConnection) {
        needsAck = true
    }

    func connectionEnded(_ connection: UDPConnection, error: VTXError?) {
        guard self.connection === connection else { return }
        self.connection = nil
        if closed { finishClosing() }
    }

    /// Whether no connection is open and no closed socket's messages wait for one.
    var isIdle: Bool { connection == nil && lingerDeadline == nil }

    /// Stops the connect. Its connection first sends what the closing socket queued (within the socket's linger);
    /// a socket that queued messages before any peer answered keeps trying for a first peer, within its linger and
    /// at most `patience`, so that they are still delivered.
    ///
    /// - Parameters:
    ///   - immediately: drop what is queued and end at once.
    ///   - patience: the longest to keep trying for a first peer (shutdown passes a short one: it must not wait
    ///     long for a peer that may never come).
    func close(immediately: Bool = false, patience: Duration = .seconds(60)) {
        if immediately {
            closed = true
            connection?.end(error: nil, sendClose: true)
            return finishClosing()
        }
        if let deadline = lingerDeadline {
            lingerDeadline = min(deadline, .now() + TimeAmount(patience))
        }
        guard !closed else { return }  // already flushing or looking for a first peer
        closed = true
        let draining = (endpoint.isSocketClosed || engine.isShuttingDown) && endpoint.options.linger != .zero
        if let connection {
            if draining { connection.beginClosing() } else { connection.end(error: nil, sendClose: true) }
            return
        }
        if draining, started, earlyPipe?.checkRead() == true {
            lingerDeadline = .now() + TimeAmount(endpoint.options.linger.map { min($0, patience) } ?? patience)
            attempt()  // or let the attempt under way go on
            return
        }
        finishClosing()
    }

    private func finishClosing() {
        attemptId = nil
        attemptTimer?.cancel()
        lingerDeadline = nil
        earlyPipe?.close()
        port.close()
    }
}
