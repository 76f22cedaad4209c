import VTXCore

extension DriverConformance {
    /// ``Check/closeWithLinger``.
    func checkCloseWithLinger(_ s: ConformanceSession) throws(ConformanceFailure) {
        let count = 500
        let body = Frame([UInt8](repeating: 0x11, count: 1000))
        // The connecting side closes, then the binding side.
        for sendsFromBinder in [false, true] {
            let push = try s.socket(.push)
            let pull = try s.socket(.pull)
            if sendsFromBinder {
                try s.join(push, [pull])
            } else {
                try s.join(pull, [push])
            }
            let who = sendsFromBinder ? "a binding PUSH" : "a connecting PUSH"
            for index in 0..<count { try s.send(push, Message([Frame("\(index)"), body])) }
            s.close(push)
            for index in 0..<count {
                let message = try s.receive(pull, "message \(index) of the \(count) that \(who) sent before closing")
                try s.expect(
                    message.count == 2 && message[0].string == "\(index)" && message[1] == body,
                    "message \(index) of \(count) from \(who) that closed, whole and in order", "got \(message.texts.prefix(1))")
            }
            s.close(pull)
        }
    }

    /// ``Check/closeWithZeroLinger``.
    func checkCloseWithZeroLinger(_ s: ConformanceSession) throws(ConformanceFailure) {
        let pull = try s.socket(.pull)
        let push = try s.socket(.push)
        pull.receiveHighWaterMark = 10
        push.sendHighWaterMark = 10
        push.linger = .zero
        let endpoint = try s.join(pull, [push])
        let payload = Frame([UInt8](repeating: 0x22, count: 64 * 1024))
        var accepted = 0
        while accepted < Self.backPressureAttempts {
            let taken = try s.attempt("trySend to return true or false") { () throws(VTXError) in
                try push.trySend(Message([Frame("\(accepted)"), payload]))
            }
            guard taken else { break }
            accepted += 1
        }
        try s.expect(
            accepted < Self.backPressureAttempts, "the PUSH to refuse a message before \(Self.backPressureAttempts)",
            "it accepted them all")
        // The PUSH has unsent messages and its peer does not read: with linger 0, close must not wait.
        let start = ContinuousClock.now
        s.close(push)
        let closing = ContinuousClock.now - start
        let closeBound = SanitizerSlowdown.scaled(.seconds(1))
        try s.expect(closing < closeBound, "close() with linger 0 and unsent messages to return within \(closeBound)", "it took \(closing)")
        // What arrived is a prefix of what was sent, and the PULL serves a new peer.
        let next = try s.socket(.push)
        try s.connect(next, to: endpoint)
        try s.send(next, Message("after"), "to the PULL whose first peer closed with linger 0")
        var gotAfter = false
        for delivered in 0...accepted {
            let message = try s.receive(pull, "the PULL to receive the new PUSH's \"after\"")
            if message.texts == ["after"] {
                gotAfter = true
                break
            }
            try s.expect(
                delivered < accepted && message.count == 2 && message[0].string == "\(delivered)",
                "the closed PUSH's messages to arrive in order, without gaps, or not at all (at most \(accepted))",
                "message \(delivered) arrived as \(message.texts.prefix(1))")
        }
        try s.expect(gotAfter, "the new PUSH's \"after\" after at most \(accepted) old messages", "it did not come")
        let shutdownStart = ContinuousClock.now
        s.vtx.shutdown()
        let shutdown = ContinuousClock.now - shutdownStart
        let shutdownBound = SanitizerSlowdown.scaled(.seconds(2))
        try s.expect(shutdown < shutdownBound, "the manager to shut down within \(shutdownBound)", "it took \(shutdown)")
    }

    /// ``Check/reconnect``.
    func checkReconnect(_ s: ConformanceSession) throws(ConformanceFailure) {
        let first = try s.socket(.pull)
        let endpoint = try s.bind(first)
        let push = try s.socket(.push)
        push.reconnectInterval = .milliseconds(20)
        let events = try s.attempt("PUSH to make a monitor") { () throws(VTXError) in try push.monitor() }
        try s.connect(push, to: endpoint)
        try s.awaitPeers(of: first)
        try s.send(push, Message("before"))
        try s.receive(first, expecting: ["before"], "the first PULL to receive \"before\"")
        s.close(first)
        if features.contains(.reconnect) {
            try s.expect(
                events.next(.disconnected, timeout: s.timeout) != nil,
                "the PUSH to report 'disconnected' once its PULL closed", "no such event came within \(s.timeout)")
        } else {
            try s.poll("the PUSH to stop accepting messages once its only PULL closed") { () throws(ConformanceFailure) in
                try !s.attempt("trySend to return true or false") { () throws(VTXError) in try push.trySend(Message("lost")) }
            }
        }
        let second = try s.socket(.pull)
        try s.bind(second, to: endpoint)
        if !features.contains(.reconnect) { try connectAgain(s, push, to: endpoint) }
        try s.send(push, Message("after"), "after its first PULL closed and a second bound \(endpoint)")
        try s.receive(second, expecting: ["after"], "the PULL bound in place of the first to receive \"after\"")
    }

    /// ``Check/subscriptionReplay``.
    func checkSubscriptionReplay(_ s: ConformanceSession) throws(ConformanceFailure) {
        let first = try s.socket(.pub)
        let endpoint = try s.bind(first)
        let sub = try s.socket(.sub)
        sub.reconnectInterval = .milliseconds(20)
        try s.attempt("SUB to subscribe") { () throws(VTXError) in try sub.subscribe("a") }
        let events = try s.attempt("SUB to make a monitor") { () throws(VTXError) in try sub.monitor() }
        try s.connect(sub, to: endpoint)
        try s.awaitPeers(of: first)
        try probe(s, first, sub, "the first PUB", tag: "first")
        s.close(first)
        if features.contains(.reconnect) {
            try s.expect(
                events.next(.disconnected, timeout: s.timeout) != nil,
                "the SUB to report 'disconnected' once its PUB closed", "no such event came within \(s.timeout)")
        }
        let second = try s.socket(.pub)
        try s.bind(second, to: endpoint)
        if !features.contains(.reconnect) { try connectAgain(s, sub, to: endpoint) }
        try s.awaitPeers(of: second)
        // A PUB without the SUB's subscription sends it nothing: probes arrive only once it has been replayed.
        try probe(s, second, sub, "the PUB bound in place of the first", tag: "second")
        for message in [["b", "x"], ["a", "end"]] { try s.send(second, Message(strings: message)) }
        try expectDelivery(s, to: sub, until: ["a", "end"], exactly: [], "the SUB subscribed to 'a' only")
    }

    /// Publishes `["a", "probe TAG"]` and `["b", "probe TAG"]` until the SUB (subscribed to "a" only) receives
    /// one with this tag (probes left over from an earlier PUB are skipped), and fails if it receives a "b".
    private func probe(
        _ s: ConformanceSession, _ pub: Socket, _ sub: Socket, _ who: String, tag: String
    ) throws(ConformanceFailure) {
        try s.poll("the SUB's subscription to 'a' to reach \(who)", attempts: 500) { () throws(ConformanceFailure) in
            try s.send(pub, Message(strings: ["b", "probe \(tag)"]))
            try s.send(pub, Message(strings: ["a", "probe \(tag)"]))
            for _ in 0..<1000 {
                guard let message = try s.receive(sub, within: .milliseconds(10)) else { break }
                try s.expect(
                    message.count == 2 && message[0].string == "a", "only messages on 'a' at the SUB",
                    "it received \(message.texts)")
                if message[1].string == "probe \(tag)" { return true }
            }
            return false
        }
    }

    /// For transports without ``Features/reconnect``: connects again (a disconnect first, since a second connect
    /// to the same endpoint may be ignored).
    private func connectAgain(_ s: ConformanceSession, _ socket: Socket, to endpoint: String) throws(ConformanceFailure) {
        if let error = s.error({ () throws(VTXError) in try socket.disconnect(endpoint) }), error.code != .endpointNotFound {
            throw s.failure("\(socket.type) to disconnect from \(endpoint)", "disconnect threw \(error)")
        }
        try s.connect(socket, to: endpoint)
    }
}
