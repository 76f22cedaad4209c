import DequeModule
import Logging
import NIOCore
import VTXCore

/// What a connection needs from the listener or connect that owns it.
protocol UDPConnectionOwner: AnyObject {
    /// The connection ended (after it sent CLOSE, if it was to); forget it.
    func connectionEnded(_ connection: UDPConnection, error: VTXError?)
    /// The connection has an acknowledgement to send after this batch of reads.
    func connectionNeedsAck(_ connection: UDPConnection)
}

/// One open connection with a peer (`docs/udp-protocol.md` §5–§8), on the driver's event loop: moves messages
/// between its pipe and the peer over a reliable or best-effort stream each way, acknowledges, retransmits,
/// heartbeats, expires a silent peer, and closes within the socket's linger.
final class UDPConnection {
    let endpoint: DriverEndpoint
    let options: UDPOptions
    let localId: UInt32
    let remoteId: UInt32
    let remoteAddress: SocketAddress
    /// `udp://ip:port` of the peer, for events and metadata.
    let peerAddress: String
    private let port: DatagramPort
    private weak var owner: (any UDPConnectionOwner)?
    private let loop: any EventLoop
    private let statistics: UDPStatistics
    private let logger: Logger
    private let mode: UDPDeliveryMode
    private let socketTypeNumber: UInt8

    /// The driver's end of the pipe to the socket; `ownsPipe` is false for a connect's early pipe (kept across
    /// connections).
    private(set) var pipe: MessagePipe?
    private var ownsPipe = true
    private var sink: ConnectionSink?

    private var sender: ReliableSender
    private var receiver: ReliableReceiver
    private var bestEffortNext: UInt32 = 0
    private var bestEffort = BestEffortReceiver()
    private var packer: MessagePacker
    private var reliableIn: MessageUnpacker
    private var bestEffortIn: MessageUnpacker
    /// A message that arrived while the socket was full.
    private var heldInbound: Message?
    private var inboundBlocked: Bool { heldInbound != nil }

    private var heartbeatInterval: Duration
    private var lastHeard: NIODeadline
    private var lastSent: NIODeadline
    private var timer: Scheduled<Void>?
    private var timerDue: NIODeadline?
    private var closing = false
    private var lingerDeadline: NIODeadline?
    /// The sequence number of the last partly filled reliable payload sent, until it is acknowledged.
    private var smallInFlight: UInt32?
    private var sealScheduled = false
    private(set) var isEnded = false

    init(
        endpoint: DriverEndpoint, options: UDPOptions, localId: UInt32, remoteId: UInt32,
        remoteAddress: SocketAddress, peerHeartbeatLimit: Duration?, port: DatagramPort,
        owner: any UDPConnectionOwner, loop: any EventLoop, statistics: UDPStatistics, logger: Logger
    ) {
        self.endpoint = endpoint
        self.options = options
        self.localId = localId
        self.remoteId = remoteId
        self.remoteAddress = remoteAddress
        self.peerAddress = UDPAddress.describe(remoteAddress)
        self.port = port
        self.owner = owner
        self.loop = loop
        self.statistics = statistics
        self.logger = logger
        mode = options.delivery(for: endpoint.socketType)
        socketTypeNumber = endpoint.socketType.wireNumber
        sender = ReliableSender(
            initialSequence: 0, window: options.window,
            minimumTimeout: TimeAmount(options.minimumRetransmitTimeout),
            maximumTimeout: TimeAmount(options.maximumRetransmitTimeout))
        receiver = ReliableReceiver(initialSequence: 0, window: options.window)
        packer = MessagePacker(capacity: options.maxPayload)
        let limit = min(options.maxMessageSize, endpoint.options.maxMessageSize ?? Int.max)
        reliableIn = MessageUnpacker(limit: limit)
        bestEffortIn = MessageUnpacker(limit: limit)
        heartbeatInterval = min(options.heartbeatInterval, peerHeartbeatLimit ?? options.heartbeatInterval)
        let now = NIODeadline.now()
        lastHeard = now
        lastSent = now
        statistics.add(\.connectionsOpened)
    }

    /// What the peer learns about us (its socket's view of this peer is built from the same fields).
    var peerInfo: PeerInfo { PeerInfo(socketType: nil, address: peerAddress) }

    /// Starts moving messages through `pipe` (a new pipe this connection owns, or a connect's early pipe).
    func start(pipe: MessagePipe, owned: Bool, sink: ConnectionSink?) {
        self.pipe = pipe
        self.ownsPipe = owned
        self.sink = sink
        sink?.connection = self
        armTimer()
        pump()
    }

    // MARK: Datagrams in

    /// Handles a datagram addressed to this connection (its header is already checked against our ids).
    func receive(_ header: UDPHeader, body: ByteBuffer) {
        guard !isEnded else { return }
        lastHeard = .now()
        if header.flags.contains(.ack) { applyAck(header, body: header.command == .ack ? body : nil) }
        switch header.command {
        case .data:
            guard body.readableBytes <= options.maxPayload else { return statistics.drop(.oversized) }
            if header.flags.contains(.bestEffort) {
                receiveBestEffort(header, body: body)
            } else {
                receiveReliable(header, body: body)
            }
        case .ack:
            break
        case .heartbeat:
            if header.flags.contains(.probe) { owner?.connectionNeedsAck(self) }
        case .close:
            var body = body
            let reason = body.readString(length: body.readableBytes) ?? ""
            end(error: reason.isEmpty ? nil : VTXError(.connectionRefused, "\(peerAddress) closed: \(reason)"),
                sendClose: false)
        case .open, .openOK, .reject:
            statistics.drop(.unexpected)
        }
    }

    private func applyAck(_ header: UDPHeader, body: ByteBuffer?) {
        var bitmap: ByteBuffer?
        if var body, body.readableBytes >= 2, let length = body.readInteger(as: UInt16.self) {
            bitmap = body.readSlice(length: min(Int(length), body.readableBytes))
        }
        guard let result = sender.acknowledge(
            cumulative: header.ack, bitmap: bitmap, window: Int(header.window), at: .now())
        else { return statistics.drop(.bogusAck) }
        if !result.fastRetransmit.isEmpty {
            let now = NIODeadline.now()
            for sequence in result.fastRetransmit {
                let offset = Sequence.distance(from: sender.base, to: sequence)
                sender.markResent(offset: offset, at: now)
                resend(offset: offset)
            }
        }
        pump()
        finishClosingIfDone()
        armTimer()
    }

    private func receiveReliable(_ header: UDPHeader, body: ByteBuffer) {
        switch receiver.receive(body, sequence: header.sequence, boundary: header.flags.contains(.boundary)) {
        case .accepted: deliver()
        case .duplicate: statistics.drop(.duplicate)
        case .outOfWindow: statistics.drop(.outOfWindow)
        }
        owner?.connectionNeedsAck(self)
    }

    private func receiveBestEffort(_ header: UDPHeader, body: ByteBuffer) {
        let lostBefore = bestEffort.lost
        switch bestEffort.receive(sequence: header.sequence, boundary: header.flags.contains(.boundary)) {
        case .drop:
            statistics.drop(.duplicate)
        case .resynchronise:
            bestEffortIn.reset()
            fallthrough
        case .deliver:
            bestEffortIn.feed(body)
            guard let pipe else { return }
            var wrote = false
            while true {
                let message: Message?
                do { message = try bestEffortIn.next() } catch {
                    return end(error: error, sendClose: true)
                }
                guard let message else { break }
                if pipe.write(message) {
                    wrote = true
                    statistics.add(\.bestEffortDelivered)
                } else {
                    statistics.add(\.bestEffortOverflow)
                }
            }
            if wrote { pipe.flush() }
        }
        if bestEffort.lost > lostBefore { statistics.add(\.bestEffortLost, bestEffort.lost - lostBefore) }
    }

    /// Hands what arrived in order to the socket, stopping (and holding one message) while the socket is full.
    private func deliver() {
        guard let pipe else { return }
        var wrote = false
        defer { if wrote { pipe.flush() } }
        while true {
            if let held = heldInbound {
                guard pipe.write(held) else { return }
                heldInbound = nil
                wrote = true
            }
            let message: Message?
            do { message = try reliableIn.next() } catch {
                return end(error: error, sendClose: true)
            }
            if let message {
                if pipe.write(message) { wrote = true } else { heldInbound = message }
                continue
            }
            guard let payload = receiver.take() else { return }
            reliableIn.feed(payload)
        }
    }

    // MARK: Datagrams out

    private func header(_ command: UDPCommand, flags: UDPFlags = [], sequence: UInt32 = 0) -> UDPHeader {
        UDPHeader(
            command: command, flags: flags.union(.ack), socketType: socketTypeNumber,
            window: UInt16(clamping: inboundBlocked ? 0 : receiver.freeWindow),
            sourceId: localId, targetId: remoteId, sequence: sequence, ack: receiver.next)
    }

    private func send(_ header: UDPHeader, body: ByteBuffer? = nil) {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(UDPHeader.size + (body?.readableBytes ?? 0))
        header.write(to: &buffer)
        if var body { buffer.writeBuffer(&body) }
        port.send(buffer, to: remoteAddress)
        lastSent = .now()
    }

    /// Sends an ACK with the selective bitmap.
    func sendAck() {
        guard !isEnded else { return }
        let bitmap = receiver.bitmap()
        var body = ByteBuffer()
        body.writeInteger(UInt16(bitmap.readableBytes))
        var bits = bitmap
        body.writeBuffer(&bits)
        send(header(.ack), body: body)
    }

    private func resend(offset: Int) {
        let entry = sender.entries[offset]
        statistics.add(\.retransmissions)
        send(header(.data, flags: entry.boundary ? .boundary : [], sequence: sender.base &+ UInt32(offset)),
             body: entry.payload)
    }

    /// Moves messages from the pipe to the network while the windows allow. A partly filled payload goes out at
    /// once when no other partly filled one is unacknowledged (reliable; Nagle's rule as Minshall refined it, so a
    /// request leaves at once and a stream of small messages is packed while acknowledgements travel), or at the end
    /// of the loop's current work (best-effort).
    func pump() {
        guard !isEnded, let pipe else { return }
        let now = NIODeadline.now()
        var budget = 4096
        while budget > 0 {
            if mode == .reliable && !sender.canSend { break }
            if let chunk = packer.take() {
                budget -= 1
                sendChunk(chunk, at: now)
                continue
            }
            if let message = pipe.read() {
                packer.append(message)
                continue
            }
            guard packer.hasPartial else { break }
            if mode == .reliable {
                if let small = smallInFlight, !Sequence.less(small, sender.base) { break }
                smallInFlight = sender.nextSequence
                packer.seal()
            } else {
                if !sealScheduled {
                    sealScheduled = true
                    loop.assumeIsolated().execute { [self] in
                        sealScheduled = false
                        packer.seal()
                        pump()
                    }
                }
                break
            }
        }
        if budget == 0 {
            loop.assumeIsolated().execute { [self] in pump() }
        }
        if pipe.isPeerClosed && !closing { beginClosing() }
        armTimer()
    }

    private func sendChunk(_ chunk: MessagePacker.Chunk, at now: NIODeadline) {
        switch mode {
        case .reliable:
            let sequence = sender.record(chunk.bytes, boundary: chunk.boundary, at: now)
            send(header(.data, flags: chunk.boundary ? .boundary : [], sequence: sequence), body: chunk.bytes)
        case .bestEffort:
            let flags: UDPFlags = chunk.boundary ? [.boundary, .bestEffort] : .bestEffort
            send(header(.data, flags: flags, sequence: bestEffortNext), body: chunk.bytes)
            bestEffortNext &+= 1
        }
    }

    // MARK: Pipe events

    /// Handles an event of the pipe to the socket.
    func pipeEvent(_ event: PipeEvent) {
        guard !isEnded else { return }
        switch event {
        case .readable, .closed:
            pump()
        case .writable:
            let wasBlocked = inboundBlocked
            deliver()
            if wasBlocked && !inboundBlocked { sendAck() }  // the window opened: tell the sender
        }
    }

    // MARK: Closing

    /// The socket closed the pipe (or disconnected this peer): send what is queued, within the linger, then CLOSE.
    func beginClosing() {
        guard !closing, !isEnded else { return }
        closing = true
        if let linger = endpoint.options.linger {
            guard linger > .zero else { return end(error: nil, sendClose: true) }
            lingerDeadline = .now() + TimeAmount(linger)
        }
        finishClosingIfDone()
        armTimer()
    }

    private func finishClosingIfDone() {
        guard closing, !isEnded, sender.isIdle, packer.readyCount == 0, !packer.hasPartial,
            pipe?.checkRead() != true
        else { return }
        end(error: nil, sendClose: true)
    }

    /// Ends the connection: sends CLOSE when asked, closes a pipe it owns, reports `disconnected` (unless the
    /// socket itself is gone or closed it) and tells the owner.
    func end(error: VTXError?, sendClose: Bool) {
        guard !isEnded else { return }
        if sendClose {
            var reason = ByteBuffer()
            if let error { reason.writeString(String(error.message.prefix(200))) }
            // Three copies: a lost CLOSE would keep the peer waiting for its timeout; extra ones are dropped there
            // as datagrams for an unknown connection.
            for _ in 0..<3 { send(header(.close), body: reason) }
        }
        isEnded = true
        timer?.cancel()
        timer = nil
        sink?.connection = nil
        if ownsPipe { pipe?.close() }
        if let error { logger.debug("udp connection to \(peerAddress) ended: \(error.message)") }
        if !endpoint.isSocketClosed { endpoint.report(.disconnected(peerAddress, error)) }
        owner?.connectionEnded(self, error: error)
    }

    // MARK: Timers

    /// Makes sure the timer runs by the next moment something may be due: a retransmission (checked once per
    /// timeout while data is in flight), a heartbeat, the peer's expiry or the end of the linger. Cheap when the
    /// timer is already early enough, so it can be called after every event.
    private func armTimer() {
        guard !isEnded else { return }
        var due = min(lastHeard + TimeAmount(options.peerTimeout), lastSent + TimeAmount(heartbeatInterval))
        if !sender.isIdle { due = min(due, NIODeadline.now() + sender.timeout) }
        if let lingerDeadline { due = min(due, lingerDeadline) }
        if timer != nil, let current = timerDue, current <= due { return }
        timer?.cancel()
        timerDue = due
        timer = loop.assumeIsolated().scheduleTask(deadline: due) { [self] in
            timer = nil
            timerDue = nil
            service()
        }
    }

    private func service() {
        guard !isEnded else { return }
        let now = NIODeadline.now()
        if now - lastHeard >= TimeAmount(options.peerTimeout) {
            statistics.add(\.peersExpired)
            return end(error: VTXError(.timedOut, "\(peerAddress) sent nothing for \(options.peerTimeout)"),
                       sendClose: true)
        }
        if let lingerDeadline, now >= lingerDeadline {
            return end(error: nil, sendClose: true)
        }
        let due = sender.takeDue(at: now)
        if sender.maxRetries > options.maxRetransmits {
            statistics.add(\.peersExpired)
            return end(error: VTXError(.timedOut, "\(peerAddress) did not acknowledge data after "
                                        + "\(options.maxRetransmits) retransmissions"), sendClose: true)
        }
        for offset in due { resend(offset: offset) }
        if now - lastSent >= TimeAmount(heartbeatInterval) || (sender.isWindowBlocked && due.isEmpty
            && now - lastSent >= sender.timeout)
        {
            send(header(.heartbeat, flags: sender.isWindowBlocked ? .probe : []))
        }
        armTimer()
    }
}

/// Receives the pipe events of one connection (on any thread) and runs them on the driver's loop.
final class ConnectionSink: PipeEventSink {
    private let loop: any EventLoop
    private let box: NIOLoopBoundBox<UDPConnection?>

    init(loop: any EventLoop) {
        self.loop = loop
        box = .makeEmptyBox(valueType: UDPConnection.self, eventLoop: loop)
    }

    /// The connection the events go to (on the loop).
    var connection: UDPConnection? {
        get { box.value }
        set { box.value = newValue }
    }

    func pipe(_ pipe: MessagePipe, didSignal event: PipeEvent) {
        loop.execute { [box] in box.value?.pipeEvent(event) }
    }
}
