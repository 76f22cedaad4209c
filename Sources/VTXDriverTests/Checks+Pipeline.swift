import VTXCore

extension DriverConformance {
    /// ``Check/pushPull``.
    func checkPushPull(_ s: ConformanceSession) throws(ConformanceFailure) {
        // Fan-out: one PUSH, three PULLs, round-robin.
        let push = try s.socket(.push)
        let pulls = try s.fanOut(push, to: 3, of: .pull)
        for index in 0..<9 { try s.send(push, Message("m\(index)")) }
        var firsts: Set<Int> = []
        for (index, pull) in pulls.enumerated() {
            var got: [String] = []
            for _ in 0..<3 { got.append(try s.receive(pull, "PULL \(index) to receive its third of 9 messages")[0].string ?? "?") }
            let first = Int(got[0].dropFirst()) ?? -1
            try s.expect(
                (0..<3).contains(first) && got == ["m\(first)", "m\(first + 3)", "m\(first + 6)"],
                "each PULL to receive every third message (round-robin)", "PULL \(index) received \(got)")
            firsts.insert(first)
        }
        try s.expect(firsts.count == 3, "the three PULLs to start at different messages", "they started at \(firsts)")
        for (index, pull) in pulls.enumerated() {
            try s.expectNothing(pull, within: .milliseconds(20), "nothing more at PULL \(index) after its three messages")
        }

        // Fan-in: three PUSHes, one PULL, every source's messages in order.
        let sink = try s.socket(.pull)
        var sources: [Socket] = []
        for _ in 0..<3 { sources.append(try s.socket(.push)) }
        try s.join(sink, sources)
        let perSource = 100
        for round in 0..<perSource {
            for (index, source) in sources.enumerated() { try s.send(source, Message(strings: ["s\(index)", "\(round)"])) }
        }
        var next = [0, 0, 0]
        for _ in 0..<(perSource * sources.count) {
            let message = try s.receive(sink, "the PULL to receive all \(perSource * sources.count) messages")
            guard message.count == 2, let source = ["s0", "s1", "s2"].firstIndex(of: message[0].string ?? "") else {
                throw s.failure("messages [\"sN\", \"i\"]", "got \(message.texts)")
            }
            try s.expect(
                message[1].string == "\(next[source])", "source \(source)'s message \(next[source]) next (in order)",
                "got \(message.texts)")
            next[source] += 1
        }
        try s.expectNothing(sink, within: .milliseconds(20), "nothing more at the PULL")
    }
}
