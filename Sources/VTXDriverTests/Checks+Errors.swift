import VTXCore

extension DriverConformance {
    /// The codes a malformed endpoint may fail with: the first is what a driver should use; the others say as
    /// clearly what is wrong with the address.
    static let malformedEndpointCodes: [VTXError.Code] = [.invalidEndpoint, .invalidArgument, .addressNotAvailable]

    /// ``Check/badEndpoints``.
    func checkBadEndpoints(_ s: ConformanceSession) throws(ConformanceFailure) {
        let pull = try s.socket(.pull)
        let generic = ["\(scheme)://", "\(scheme):/no-double-slash", "\(scheme)://white space", "\(scheme)"]
        for endpoint in generic + malformedEndpoints {
            for bind in [true, false] {
                let call = bind ? "bind" : "connect"
                let error = s.error { () throws(VTXError) in
                    if bind { try pull.bind(endpoint) } else { try pull.connect(endpoint) }
                }
                try s.expect(
                    error.map { Self.malformedEndpointCodes.contains($0.code) } ?? false,
                    "\(call)(\"\(endpoint)\") to throw invalidEndpoint (or invalidArgument, addressNotAvailable)",
                    error.map { "it threw \($0)" } ?? "it succeeded")
            }
        }
        // The socket is still usable, and its address cannot be bound twice.
        let endpoint = try s.bind(pull)
        let rival = try s.socket(.pull)
        let taken = s.error { () throws(VTXError) in try rival.bind(endpoint) }
        try s.expect(
            taken?.code == .addressInUse, "binding \(endpoint), which another socket has bound, to throw addressInUse",
            taken.map { "it threw \($0)" } ?? "it succeeded")
        let push = try s.socket(.push)
        try s.connect(push, to: endpoint)
        try s.send(push, Message("still usable"))
        try s.receive(pull, expecting: ["still usable"], "the socket whose bad binds failed to receive a message")
        _ = try s.bind(rival)
    }

    /// ``Check/incompatibleTypes``.
    func checkIncompatibleTypes(_ s: ConformanceSession) throws(ConformanceFailure) {
        // A DEALER connects before a PAIR binds: refused; nothing crosses; the PAIR still takes a PAIR.
        let placeholder = try s.socket(.pair)
        let address = try s.bind(placeholder)
        s.close(placeholder)
        let dealer = try s.socket(.dealer)
        let dealerEvents = try s.attempt("DEALER to make a monitor") { () throws(VTXError) in try dealer.monitor() }
        let connected = s.error { () throws(VTXError) in try dealer.connect(address) }
        let pair = try s.socket(.pair)
        try s.bind(pair, to: address)
        try expectRefusal(s, dealer, connectError: connected, events: dealerEvents, binder: pair)
        // A DEALER may queue a message for a peer it has not met yet; the PAIR must not receive it.
        _ = try s.attempt("DEALER's trySend to return true or false") { () throws(VTXError) in
            try dealer.trySend(Message("from the DEALER"))
        }
        let pairSent = try s.attempt("PAIR's trySend to return true or false") { () throws(VTXError) in
            try pair.trySend(Message("from the PAIR"))
        }
        try s.expect(!pairSent, "a PAIR whose only peer was refused to have no peer to send to", "trySend accepted a message")
        try s.expectNothing(pair, "no message from the refused DEALER at the PAIR")
        try s.expectNothing(dealer, "no message from the PAIR at the refused DEALER")
        let partner = try s.socket(.pair)
        try s.connect(partner, to: address)
        try s.awaitPeers(of: pair)
        try s.send(partner, Message("hello"))
        try s.receive(pair, expecting: ["hello"], "the PAIR to take a compatible peer after refusing a DEALER")
        try s.send(pair, Message("welcome"))
        try s.receive(partner, expecting: ["welcome"], "the PAIR's compatible peer to receive its reply")
        try s.expectNothing(dealer, within: .milliseconds(20), "no message at the refused DEALER")

        // A PUSH connects to a bound PUB: refused; the PUB still serves a SUB.
        let pub = try s.socket(.pub)
        let endpoint = try s.bind(pub)
        let push = try s.socket(.push)
        try expectRefusal(s, push, connectingTo: endpoint, binder: pub)
        let sub = try s.socket(.sub)
        try s.attempt("SUB to subscribe") { () throws(VTXError) in try sub.subscribe("") }
        try s.connect(sub, to: endpoint)
        try s.awaitPeers(of: pub)
        try s.poll("the PUB to deliver to a SUB after refusing a PUSH", attempts: 500) { () throws(ConformanceFailure) in
            try s.send(pub, Message("still serving"))
            return try s.receive(sub, within: .milliseconds(10)) != nil
        }
    }

    /// Connects `connector` to `endpoint`, bound by `binder`, and expects the connection to be refused.
    private func expectRefusal(
        _ s: ConformanceSession, _ connector: Socket, connectingTo endpoint: String, binder: Socket
    ) throws(ConformanceFailure) {
        let events = try s.attempt("\(connector.type) to make a monitor") { () throws(VTXError) in try connector.monitor() }
        let error = s.error { () throws(VTXError) in try connector.connect(endpoint) }
        try expectRefusal(s, connector, connectError: error, events: events, binder: binder)
    }

    /// Expects the connection of `connector` (whose connect ended with `connectError`) to `binder` to be refused:
    /// `handshakeFailed` with `incompatibleSocketType` on both sides; without ``Features/handshake``, that on the
    /// connecting side or a connect that failed with `incompatibleSocketType`.
    private func expectRefusal(
        _ s: ConformanceSession, _ connector: Socket, connectError: VTXError?, events: SocketMonitor, binder: Socket
    ) throws(ConformanceFailure) {
        let pairing = "\(connector.type) connecting to \(binder.type)"
        if let connectError {
            try s.expect(
                !s.has(.handshake) && connectError.code == .incompatibleSocketType,
                "\(pairing): connect to return and the handshake to fail", "connect threw \(connectError)")
            return
        }
        let failed = events.next(.handshakeFailed, timeout: s.timeout)
        try s.expect(
            failed?.error?.code == .incompatibleSocketType,
            "\(pairing): a 'handshakeFailed' event with incompatibleSocketType on the \(connector.type)",
            failed.map { "the event said \($0)" } ?? "none came within \(s.timeout)")
        guard s.has(.handshake) else { return }
        let binderFailed = s.monitor(of: binder).next(.handshakeFailed, timeout: s.timeout)
        try s.expect(
            binderFailed?.error?.code == .incompatibleSocketType,
            "\(pairing): a 'handshakeFailed' event with incompatibleSocketType on the \(binder.type)",
            binderFailed.map { "the event said \($0)" } ?? "none came within \(s.timeout)")
    }
}
