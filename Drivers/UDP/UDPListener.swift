import Logging
import NIOCore
import VTXCore

/// One bind of a socket (`udp://*:PORT`, `udp://ADDRESS:PORT`): a rendezvous socket on the port, which hears OPEN
/// (unicast or broadcast), and a session socket on a free port of the same address, which answers and carries
/// every connection. Several processes may bind the same wildcard port (`SO_REUSEPORT`) and all hear broadcast
/// OPENs; because each answers from its own session socket, a client's later datagrams reach the right one.
final class UDPListener: UDPConnectionOwner {
    let endpoint: DriverEndpoint
    let address: UDPAddress
    private let engine: UDPEngine
    private let rendezvous: DatagramPort
    private let session: DatagramPort
    private var connections: [UInt32: UDPConnection] = [:]
    /// Open connections by the peer's address and connection id, to answer a repeated OPEN again.
    private var byPeer: [String: UInt32] = [:]
    private var needsAck: [UDPConnection] = []
    /// The most connections one bind holds (nng's `NNG_OPT_UDP_MAX_PEERS` default), so a flood of OPENs from
    /// forged addresses cannot take unbounded memory; more are refused with REJECT.
    static let maxPeers = 1024
    private var closed = false

    init(endpoint: DriverEndpoint, address: UDPAddress, engine: UDPEngine) {
        self.endpoint = endpoint
        self.address = address
        self.engine = engine
        rendezvous = DatagramPort(loop: engine.loop, faults: address.options.faults, statistics: engine.statistics)
        session = DatagramPort(loop: engine.loop, faults: address.options.faults, statistics: engine.statistics)
    }

    /// Binds both sockets and answers the bind.
    func start() {
        let bindAddress: SocketAddress
        do { bindAddress = try address.bindAddress() } catch {
            return endpoint.report(.bindFailed(error))
        }
        rendezvous.bind(to: bindAddress, shared: address.isWildcard && address.port != 0, broadcast: false) {
            [self] result in
            if case .failure(let error) = result {
                return endpoint.report(.bindFailed(UDPEngine.describe(error, doing: "binding \(endpoint.endpoint)")))
            }
            let sessionAddress = try? UDPAddress.resolve(bindAddress.ipAddress ?? "0.0.0.0", port: 0)
            session.bind(to: sessionAddress ?? bindAddress, shared: false, broadcast: false) { [self] result in
                if case .failure(let error) = result {
                    rendezvous.close()
                    return endpoint.report(.bindFailed(UDPEngine.describe(error, doing: "binding \(endpoint.endpoint)")))
                }
                guard !closed else { return close() }
                rendezvous.onDatagram = { [self] in receive($0, from: $1) }
                session.onDatagram = { [self] in receive($0, from: $1) }
                rendezvous.onReadComplete = { [self] in flushAcks() }
                session.onReadComplete = { [self] in flushAcks() }
                let port = rendezvous.localAddress?.port ?? address.port
                let host = address.isWildcard ? "*" : (address.host.contains(":") ? "[\(address.host)]" : address.host)
                endpoint.report(.listening("udp://\(host):\(port)"))
            }
        }
    }

    private func receive(_ datagram: ByteBuffer, from sender: SocketAddress) {
        guard let (header, datagram) = engine.parse(datagram, from: sender) else { return }
        if header.command == .open { return open(header, body: datagram, from: sender) }
        guard let connection = connections[header.targetId] else {
            return engine.drop(.unknownConnection, from: sender)
        }
        guard connection.remoteAddress == sender, connection.remoteId == header.sourceId else {
            return engine.drop(.wrongSender, from: sender)
        }
        connection.receive(header, body: datagram)
    }

    /// An OPEN: answer a repeated one again; check the peer's type, attach it and answer OPEN-OK, or REJECT.
    private func open(_ header: UDPHeader, body: ByteBuffer, from sender: SocketAddress) {
        var body = body
        guard header.targetId == 0, header.sourceId != 0, let hello = UDPHandshake.read(from: &body) else {
            return engine.drop(.malformedBody, from: sender)
        }
        let key = "\(sender)|\(header.sourceId)"
        if let id = byPeer[key], let existing = connections[id] {
            return sendOpenOK(existing)
        }
        let peerAddress = UDPAddress.describe(sender)
        guard let type = SocketType(wireNumber: header.socketType) else {
            return reject(header, to: sender, code: .other, reason: "unknown socket type \(header.socketType)")
        }
        guard connections.count < UDPListener.maxPeers else {
            return reject(header, to: sender, code: .other, reason: "too many peers (\(UDPListener.maxPeers))")
        }
        endpoint.report(.accepted(peerAddress))
        let localId = engine.newConnectionId()
        let connection = UDPConnection(
            endpoint: endpoint, options: address.options, localId: localId, remoteId: header.sourceId,
            remoteAddress: sender, peerHeartbeatLimit: hello.heartbeatLimit, port: session, owner: self,
            loop: engine.loop, statistics: engine.statistics, logger: engine.logger)
        let sink = ConnectionSink(loop: engine.loop)
        let peer = PeerInfo(
            socketType: type, routingId: hello.routingId.isEmpty ? nil : Frame(hello.routingId), address: peerAddress)
        let pipe: MessagePipe
        do {
            pipe = try endpoint.attach(peer: peer, sink: sink)
        } catch {
            endpoint.report(.handshakeFailed(peerAddress, error))
            return reject(
                header, to: sender, code: error.code == .incompatibleSocketType ? .incompatibleSocketType : .other,
                reason: error.message)
        }
        connections[localId] = connection
        byPeer[key] = localId
        sendOpenOK(connection)
        connection.start(pipe: pipe, owned: true, sink: sink)
        endpoint.report(.handshakeSucceeded(peerAddress))
    }

    private func sendOpenOK(_ connection: UDPConnection) {
        var buffer = ByteBuffer()
        UDPHeader(
            command: .openOK, socketType: endpoint.socketType.wireNumber, window: UInt16(address.options.window),
            sourceId: connection.localId, targetId: connection.remoteId
        ).write(to: &buffer)
        UDPHandshake(
            delivery: address.options.delivery(for: endpoint.socketType), peerTimeout: address.options.peerTimeout,
            routingId: endpoint.localPeerInfo.routingId?.bytes ?? []
        ).write(to: &buffer)
        session.send(buffer, to: connection.remoteAddress)
    }

    private func reject(_ header: UDPHeader, to sender: SocketAddress, code: UDPRejection, reason: String) {
        var buffer = ByteBuffer()
        UDPHeader(command: .reject, socketType: endpoint.socketType.wireNumber, targetId: header.sourceId)
            .write(to: &buffer)
        buffer.writeInteger(code.rawValue)
        buffer.writeString(String(reason.prefix(200)))
        session.send(buffer, to: sender)
    }

    func connectionNeedsAck(_ connection: UDPConnection) {
        needsAck.append(connection)
    }

    private func flushAcks() {
        let due = needsAck
        needsAck = []
        var seen = Set<UInt32>()
        for connection in due where seen.insert(connection.localId).inserted { connection.sendAck() }
    }

    func connectionEnded(_ connection: UDPConnection, error: VTXError?) {
        connections[connection.localId] = nil
        byPeer["\(connection.remoteAddress)|\(connection.remoteId)"] = nil
    }

    /// Stops listening and closes the connections: at once, or after what the closing socket queued is sent
    /// (within its linger); the sockets close when the last connection has ended.
    /// Whether no connection is open (or lingering).
    var isIdle: Bool { connections.isEmpty }

    func close(immediately: Bool = false) {
        closed = true
        rendezvous.close()
        for connection in connections.values {
            if !immediately && (endpoint.isSocketClosed || engine.isShuttingDown) && endpoint.options.linger != .zero {
                connection.beginClosing()
            } else {
                connection.end(error: nil, sendClose: true)
            }
        }
        closeSessionWhenIdle()
    }

    private func closeSessionWhenIdle() {
        guard connections.isEmpty else {
            engine.loop.assumeIsolated().scheduleTask(in: .milliseconds(20)) { [self] in closeSessionWhenIdle() }
            return
        }
        session.close()
    }
}
