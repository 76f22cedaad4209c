import VTXCore

/// The `inproc://name` transport: sockets in one process joined directly by a pipe pair, with no driver thread
/// in the data path. The driver's thread only pairs binders with connecters.
///
/// As in libzmq 4.x: bind and connect may come in either order (a connect before the bind queues messages at
/// once); many sockets may connect to one name; binding a name twice fails with
/// ``VTXError/Code/addressInUse``; unbinding only frees the name, existing connections stay. Unlike libzmq, the
/// socket types are checked: an incompatible pair fails with ``VTXError/Code/incompatibleSocketType``.
public final class InprocDriver: Driver {
    private struct PendingConnect: Sendable {
        let connector: DriverEndpoint
        /// The pipe made at connect time and already attached to the connector, so that messages queue before
        /// the bind; `nil` for a connect that waits for its peer (the core's rule, `attachesEarly`).
        let early: (connectorEnd: MessagePipe, binderEnd: MessagePipe)?
    }

    private let thread = DriverThread(name: "vtx.inproc")
    private let bound: ThreadBoundBox<[String: DriverEndpoint]>
    private let pending: ThreadBoundBox<[String: [PendingConnect]]>

    /// Makes the driver; it is started when registered.
    public init() {
        bound = ThreadBoundBox([:], on: thread)
        pending = ThreadBoundBox([:], on: thread)
    }

    /// A memory transport: reliable, ordered, no size limit.
    public var capabilities: DriverCapabilities {
        DriverCapabilities(kind: .memory, isReliable: true, isOrdered: true)
    }

    /// Starts the rendezvous thread.
    public func start(_ context: DriverContext) throws(VTXError) {
        try thread.start()
    }

    /// Moves the command to the rendezvous thread (after shutdown the core answers for the driver).
    public func handle(_ command: DriverCommand) {
        thread.execute { [self] in
            switch command {
            case .bind(let endpoint): bind(endpoint)
            case .connect(let endpoint): connect(endpoint)
            case .unbind(let endpoint): unbind(endpoint)
            case .disconnect(let endpoint): disconnect(endpoint)
            case .reconnect: break  // an inproc connection never ends by itself, so the core never asks
            }
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
        if let existing = bound.value[name], !existing.isSocketClosed {
            endpoint.report(.bindFailed(VTXError(.addressInUse, "inproc name '\(name)' is already bound")))
            return
        }
        bound.value[name] = endpoint
        endpoint.report(.listening(endpoint.endpoint.description))
        for waiting in pending.value.removeValue(forKey: name) ?? [] {
            complete(waiting, binder: endpoint)
        }
    }

    private func complete(_ waiting: PendingConnect, binder: DriverEndpoint) {
        let connector = waiting.connector
        guard !connector.isSocketClosed, waiting.early?.connectorEnd.isClosed != true else {
            waiting.early?.binderEnd.close()
            return
        }
        do {
            try binder.checkCompatibility(with: connector.socketType)
        } catch {
            waiting.early?.binderEnd.close()
            binder.report(.handshakeFailed(connector.endpoint.description, error))
            connector.report(.handshakeFailed(binder.endpoint.description, error))
            return
        }
        guard let (connectorEnd, binderEnd) = waiting.early else {
            _ = pair(connector, with: binder, answeringConnect: false)
            return
        }
        InprocDriver.shareHighWaterMarks(connectorEnd: connectorEnd, connector: connector, binder: binder)
        // The connector's end was made before the binder was known: tell it who sends what follows.
        binderEnd.announce(binder.localPeerInfo.makeMetadata())
        do { try binder.attach(binderEnd) } catch {
            binderEnd.close()
            return
        }
        connector.report(.connected(binder.endpoint.description))
        binder.report(.accepted(connector.endpoint.description))
    }

    /// Joins a connector to a binder whose types were checked: one pipe pair with both peers known, attached to
    /// both before any event is reported (so the peer is in place when the connector's `connect` returns, when
    /// `answeringConnect` says this answers it). Returns the error when a socket refused its end (it closed).
    private func pair(_ connector: DriverEndpoint, with binder: DriverEndpoint, answeringConnect: Bool) -> VTXError? {
        let (connectorEnd, binderEnd) = MessagePipe.makePair(
            firstToSecond: connector.options.sendHighWaterMark,
            secondToFirst: connector.options.receiveHighWaterMark,
            firstPeer: binder.localPeerInfo,
            secondPeer: connector.localPeerInfo
        )
        InprocDriver.shareHighWaterMarks(connectorEnd: connectorEnd, connector: connector, binder: binder)
        do {
            try connector.attach(connectorEnd)
            try binder.attach(binderEnd)
        } catch {
            connectorEnd.close()
            binderEnd.close()
            return error
        }
        if answeringConnect { connector.report(.connecting) }
        connector.report(.connected(binder.endpoint.description))
        binder.report(.accepted(connector.endpoint.description))
        return nil
    }

    private func connect(_ endpoint: DriverEndpoint) {
        let name = endpoint.endpoint.address
        if let binder = bound.value[name], !binder.isSocketClosed {
            do {
                try endpoint.checkCompatibility(with: binder.socketType)
            } catch {
                endpoint.report(.connectFailed(error))
                return
            }
            if let error = pair(endpoint, with: binder, answeringConnect: true) {
                endpoint.report(.connectFailed(error))
            }
            return
        }
        // No binder yet: make the pipe now so that messages queue, and finish the pairing at bind time, unless the
        // core's rule says the socket waits for its peer (a ROUTER needs the binder's routing id).
        var early: (connectorEnd: MessagePipe, binderEnd: MessagePipe)?
        if endpoint.attachesEarly {
            let ends = MessagePipe.makePair(
                firstToSecond: endpoint.options.sendHighWaterMark,
                secondToFirst: endpoint.options.receiveHighWaterMark,
                firstPeer: PeerInfo(socketType: nil, address: endpoint.endpoint.description),
                secondPeer: endpoint.localPeerInfo
            )
            do { try endpoint.attach(ends.first) } catch {
                endpoint.report(.connectFailed(error))
                return
            }
            early = (ends.first, ends.second)
        }
        endpoint.report(.connecting)
        pending.value[name, default: []].append(PendingConnect(connector: endpoint, early: early))
    }

    private func unbind(_ endpoint: DriverEndpoint) {
        let name = endpoint.endpoint.address
        if bound.value[name] === endpoint {
            bound.value[name] = nil
        }
        endpoint.report(.closed)
    }

    private func disconnect(_ endpoint: DriverEndpoint) {
        let name = endpoint.endpoint.address
        if var waiting = pending.value[name] {
            for entry in waiting where entry.connector === endpoint {
                entry.early?.binderEnd.close()
            }
            waiting.removeAll { $0.connector === endpoint }
            pending.value[name] = waiting.isEmpty ? nil : waiting
        }
        endpoint.report(.closed)
    }
}
