import VTXCore

/// The `inproc://name` transport: sockets in one process joined directly by a pipe pair, with no driver thread
/// in the data path. The driver's thread only pairs binders with connecters.
///
/// As in libzmq 4.x: bind and connect may come in either order (a connect before the bind queues messages at
/// once); many sockets may connect to one name; binding a name twice fails with
/// ``VTXError/Code/addressInUse``; unbinding only frees the name, existing connections stay. Unlike libzmq, the
/// socket types are checked: an incompatible pair fails with ``VTXError/Code/incompatibleSocketType``.
public final class InprocDriver: Driver, @unchecked Sendable {
    private struct PendingConnect {
        let connector: DriverEndpoint
        let connectorEnd: MessagePipe
        let binderEnd: MessagePipe
        let attachedEarly: Bool
    }

    private let thread = DriverThread(name: "vtx.inproc")
    // Confined to `thread`.
    private var bound: [String: DriverEndpoint] = [:]
    private var pending: [String: [PendingConnect]] = [:]

    /// Makes the driver; it is started when registered.
    public init() {}

    /// A memory transport: reliable, ordered, no size limit.
    public var capabilities: DriverCapabilities {
        DriverCapabilities(kind: .memory, isReliable: true, isOrdered: true)
    }

    /// Starts the rendezvous thread.
    public func start(_ context: DriverContext) throws(VTXError) {
        try thread.start()
    }

    /// Moves the command to the rendezvous thread.
    public func handle(_ command: DriverCommand) {
        let accepted = thread.execute { [self] in
            switch command {
            case .bind(let endpoint): bind(endpoint)
            case .connect(let endpoint): connect(endpoint)
            case .unbind(let endpoint): unbind(endpoint)
            case .disconnect(let endpoint): disconnect(endpoint)
            }
        }
        guard !accepted else { return }
        // The driver has been shut down: answer so that the socket's call returns.
        let stopped = VTXError(.terminated, "the inproc driver has been shut down")
        switch command {
        case .bind(let endpoint): endpoint.report(.bindFailed(stopped))
        case .connect(let endpoint): endpoint.report(.connectFailed(stopped))
        case .unbind, .disconnect: break
        }
    }

    /// Stops the rendezvous thread; connections already made are unaffected (they have no driver).
    public func shutdown() {
        thread.stop()
    }

    /// libzmq's inproc rule: each direction holds the writer's SNDHWM plus the reader's RCVHWM (unlimited if
    /// either is 0); each socket may change its own share later.
    private static func shareHighWaterMarks(connectorEnd: MessagePipe, connector: DriverEndpoint, binder: DriverEndpoint) {
        connectorEnd.setOutboundHighWaterMark(
            connector.options.sendHighWaterMark,
            peerShare: binder.options.receiveHighWaterMark
        )
        connectorEnd.setInboundHighWaterMark(
            connector.options.receiveHighWaterMark,
            peerShare: binder.options.sendHighWaterMark
        )
    }

    private func bind(_ endpoint: DriverEndpoint) {
        let name = endpoint.endpoint.address
        if let existing = bound[name], !existing.isSocketClosed {
            endpoint.report(.bindFailed(VTXError(.addressInUse, "inproc name '\(name)' is already bound")))
            return
        }
        bound[name] = endpoint
        endpoint.report(.listening(endpoint.endpoint.description))
        for waiting in pending.removeValue(forKey: name) ?? [] {
            complete(waiting, binder: endpoint)
        }
    }

    private func complete(_ waiting: PendingConnect, binder: DriverEndpoint) {
        let connector = waiting.connector
        guard !connector.isSocketClosed, !waiting.connectorEnd.isClosed else {
            waiting.binderEnd.close()
            return
        }
        do {
            try binder.checkCompatibility(with: connector.socketType)
        } catch {
            waiting.binderEnd.close()
            binder.report(.handshakeFailed(connector.endpoint.description, error))
            connector.report(.handshakeFailed(binder.endpoint.description, error))
            return
        }
        InprocDriver.shareHighWaterMarks(connectorEnd: waiting.connectorEnd, connector: connector, binder: binder)
        if !waiting.attachedEarly {
            do { try connector.attach(waiting.connectorEnd) } catch {
                waiting.binderEnd.close()
                return
            }
        }
        do { try binder.attach(waiting.binderEnd) } catch {
            waiting.binderEnd.close()
            return
        }
        connector.report(.connected(binder.endpoint.description))
        binder.report(.accepted(connector.endpoint.description))
    }

    private func connect(_ endpoint: DriverEndpoint) {
        let name = endpoint.endpoint.address
        if let binder = bound[name], !binder.isSocketClosed {
            do {
                try endpoint.checkCompatibility(with: binder.socketType)
            } catch {
                endpoint.report(.connectFailed(error))
                return
            }
            let (connectorEnd, binderEnd) = MessagePipe.makePair(
                firstToSecond: endpoint.options.sendHighWaterMark,
                secondToFirst: endpoint.options.receiveHighWaterMark,
                firstPeer: binder.localPeerInfo,
                secondPeer: endpoint.localPeerInfo
            )
            InprocDriver.shareHighWaterMarks(connectorEnd: connectorEnd, connector: endpoint, binder: binder)
            // Attach before answering, so that the peer is in place when `connect` returns.
            do {
                try endpoint.attach(connectorEnd)
                try binder.attach(binderEnd)
            } catch {
                connectorEnd.close()
                binderEnd.close()
                endpoint.report(.connectFailed(error))
                return
            }
            endpoint.report(.connecting)
            endpoint.report(.connected(binder.endpoint.description))
            binder.report(.accepted(endpoint.endpoint.description))
            return
        }
        // No binder yet: make the pipe now so that messages queue, and finish the pairing at bind time.
        let (connectorEnd, binderEnd) = MessagePipe.makePair(
            firstToSecond: endpoint.options.sendHighWaterMark,
            secondToFirst: endpoint.options.receiveHighWaterMark,
            firstPeer: PeerInfo(socketType: nil, address: endpoint.endpoint.description),
            secondPeer: endpoint.localPeerInfo
        )
        let early = !endpoint.options.immediate
        if early {
            do { try endpoint.attach(connectorEnd) } catch {
                endpoint.report(.connectFailed(error))
                return
            }
        }
        endpoint.report(.connecting)
        pending[name, default: []].append(
            PendingConnect(connector: endpoint, connectorEnd: connectorEnd, binderEnd: binderEnd, attachedEarly: early)
        )
    }

    private func unbind(_ endpoint: DriverEndpoint) {
        let name = endpoint.endpoint.address
        if bound[name] === endpoint {
            bound[name] = nil
        }
        endpoint.report(.closed)
    }

    private func disconnect(_ endpoint: DriverEndpoint) {
        let name = endpoint.endpoint.address
        if var waiting = pending[name] {
            for entry in waiting where entry.connector === endpoint {
                entry.binderEnd.close()
            }
            waiting.removeAll { $0.connector === endpoint }
            pending[name] = waiting.isEmpty ? nil : waiting
        }
        endpoint.report(.closed)
    }
}
