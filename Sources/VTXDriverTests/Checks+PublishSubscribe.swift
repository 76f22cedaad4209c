import VTXCore

extension DriverConformance {
    /// ``Check/publishSubscribe``.
    func checkPublishSubscribe(_ s: ConformanceSession) throws(ConformanceFailure) {
        let pub = try s.socket(.pub)
        let weather = try s.socket(.sub)
        let sports = try s.socket(.sub)
        let everything = try s.socket(.sub)
        // One subscription made before connecting, the others after.
        try s.attempt("SUB to subscribe") { () throws(VTXError) in try weather.subscribe("weather") }
        try s.join(pub, [weather, sports, everything])
        try s.attempt("SUB to subscribe") { () throws(VTXError) in
            try sports.subscribe("sports")
            try everything.subscribe("")
        }
        // Subscriptions reach the PUB asynchronously: publish probes until every subscriber has one.
        var heard = [false, false, false]
        try s.poll("every subscriber to receive a probe on its topic", attempts: 500) { () throws(ConformanceFailure) in
            try s.send(pub, Message(strings: ["weather", "probe"]))
            try s.send(pub, Message(strings: ["sports", "probe"]))
            for (index, sub) in [weather, sports, everything].enumerated() where !heard[index] {
                heard[index] = try s.receive(sub, within: .milliseconds(5)) != nil
            }
            return !heard.contains(false)
        }
        for message in [["weather", "sunny"], ["news", "ignored"], ["sports", "goal"], ["weather", "end"], ["sports", "end"]] {
            try s.send(pub, Message(strings: message))
        }
        try expectDelivery(s, to: weather, until: ["weather", "end"], exactly: [["weather", "sunny"]], "SUB 'weather'")
        try expectDelivery(s, to: sports, until: ["sports", "end"], exactly: [["sports", "goal"]], "SUB 'sports'")
        try expectDelivery(
            s, to: everything, until: ["sports", "end"],
            exactly: [["weather", "sunny"], ["news", "ignored"], ["sports", "goal"], ["weather", "end"]],
            "the SUB subscribed to everything")

        // Unsubscribing: a marker subscription made after it tells when the PUB has seen it (one connection keeps
        // the order).
        try s.attempt("SUB to unsubscribe") { () throws(VTXError) in
            try weather.unsubscribe("weather")
            try weather.subscribe("marker")
        }
        try s.poll("the SUB's new 'marker' subscription to reach the PUB", attempts: 500) { () throws(ConformanceFailure) in
            try s.send(pub, Message(strings: ["marker", "probe"]))
            return try s.receive(weather, within: .milliseconds(5)) != nil
        }
        try s.send(pub, Message(strings: ["weather", "rain"]))
        try s.send(pub, Message(strings: ["marker", "end"]))
        try expectDelivery(s, to: weather, until: ["marker", "end"], exactly: [], "SUB 'weather' after unsubscribing")
    }

    /// Receives until `last` arrives and fails unless what came before it, probes (messages whose last frame starts
    /// with "probe") aside, is `expected`.
    func expectDelivery(
        _ s: ConformanceSession,
        to sub: Socket,
        until last: [String],
        exactly expected: [[String]],
        _ who: String
    ) throws(ConformanceFailure) {
        var received: [[String]] = []
        for _ in 0..<10_000 {
            let texts = try s.receive(sub, "\(who) to receive \(last)").texts
            if texts == last {
                try s.expect(
                    received == expected, "\(who) to receive exactly \(expected) before \(last)",
                    "it received \(received)")
                return
            }
            if texts.last?.hasPrefix("probe") != true { received.append(texts) }
        }
        throw s.failure("\(who) to receive \(last)", "10000 other messages came first")
    }

    /// ``Check/xpubXsub``.
    func checkXpubXsub(_ s: ConformanceSession) throws(ConformanceFailure) {
        let xpub = try s.socket(.xpub)
        let sub = try s.socket(.sub)
        let xsub = try s.socket(.xsub)
        try s.join(xpub, [sub, xsub])
        try s.attempt("SUB to subscribe") { () throws(VTXError) in try sub.subscribe("topic-a") }
        try expectSubscription(s, xpub, 1, "topic-a", "the SUB's subscription")
        try s.send(xsub, Message(Frame([1] + Array("topic-b".utf8))), "a subscription message")
        try expectSubscription(s, xpub, 1, "topic-b", "the XSUB's subscription message")
        // The XPUB has taken both subscriptions in: each subscriber gets its topic only.
        for message in [["topic-a", "x"], ["topic-b", "y"], ["topic-a", "end"]] {
            try s.send(xpub, Message(strings: message))
        }
        try s.receive(xsub, expecting: ["topic-b", "y"], "the XSUB to receive only its topic, 'topic-b'")
        try s.receive(sub, expecting: ["topic-a", "x"], "the SUB to receive its topic, 'topic-a'")
        try s.receive(sub, expecting: ["topic-a", "end"], "the SUB to receive only its topic, 'topic-a'")
        try s.attempt("SUB to unsubscribe") { () throws(VTXError) in try sub.unsubscribe("topic-a") }
        try expectSubscription(s, xpub, 0, "topic-a", "the SUB's unsubscription")
        try s.send(xsub, Message(Frame([0] + Array("topic-b".utf8))), "an unsubscription message")
        try expectSubscription(s, xpub, 0, "topic-b", "the XSUB's unsubscription message")
    }

    /// Receives a (un)subscription message at the XPUB and fails unless it is `flag` followed by `topic`.
    private func expectSubscription(
        _ s: ConformanceSession, _ xpub: Socket, _ flag: UInt8, _ topic: String, _ what: String
    ) throws(ConformanceFailure) {
        let expected = Frame([flag] + Array(topic.utf8))
        let message = try s.receive(xpub, "the XPUB to receive \(what)")
        try s.expect(
            message.count == 1 && message[0] == expected,
            "\(what) as one frame, \\x0\(flag) then '\(topic)'", "got \(message)")
    }
}
