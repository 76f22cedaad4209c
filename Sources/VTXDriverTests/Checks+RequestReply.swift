import VTXCore

extension DriverConformance {
    /// ``Check/requestReply``.
    func checkRequestReply(_ s: ConformanceSession) throws(ConformanceFailure) {
        // Several clients, one server: every reply goes back to the client that asked.
        let rep = try s.socket(.rep)
        var clients: [Socket] = []
        for _ in 0..<3 { clients.append(try s.socket(.req)) }
        try s.join(rep, clients)
        for round in 0..<5 {
            for (index, client) in clients.enumerated() {
                try s.send(client, Message(strings: ["client \(index)", "round \(round)"]))
            }
            for _ in clients {
                let request = try s.receive(rep, "REP to receive one request per client")
                try s.expect(
                    request.count == 2 && request.property("Socket-Type") == "REQ",
                    "a request of two frames from a peer whose Socket-Type property is REQ",
                    "got \(request.texts) with Socket-Type \(request.property("Socket-Type") ?? "nil")"
                )
                try s.send(rep, Message(strings: ["reply to"] + request.texts))
            }
            for (index, client) in clients.enumerated() {
                try s.receive(
                    client, expecting: ["reply to", "client \(index)", "round \(round)"],
                    "REQ client \(index) to receive the reply to its own request")
            }
        }

        // One client, several servers: requests go round-robin.
        let req = try s.socket(.req)
        let servers = try s.fanOut(req, to: 3, of: .rep)
        var served: [Int] = []
        for index in 0..<6 {
            try s.send(req, Message("request \(index)"))
            var server: Int?
            try s.poll("one of the REPs to receive request \(index)") { () throws(ConformanceFailure) in
                for (candidate, rep) in servers.enumerated() {
                    if let request = try s.receive(rep, within: .milliseconds(5)) {
                        try s.expect(request.texts == ["request \(index)"], "request \(index)", "REP got \(request.texts)")
                        server = candidate
                        return true
                    }
                }
                return false
            }
            served.append(server!)
            try s.send(servers[server!], Message("reply \(index)"))
            try s.receive(req, expecting: ["reply \(index)"], "REQ to receive the reply to request \(index)")
        }
        let roundRobin = Set(served[0..<3]).count == 3 && served[3..<6].elementsEqual(served[0..<3])
        try s.expect(roundRobin, "six requests to visit three REPs round-robin", "they went to REPs \(served)")
    }

    /// ``Check/dealerRouter``.
    func checkDealerRouter(_ s: ConformanceSession) throws(ConformanceFailure) {
        let router = try s.socket(.router)
        let names = ["alpha", "beta", ""]  // the last one lets the ROUTER make up its id
        var dealers: [Socket] = []
        for name in names {
            let dealer = try s.socket(.dealer)
            if !name.isEmpty { dealer.routingId = Frame(name) }
            dealers.append(dealer)
        }
        try s.join(router, dealers)
        for (index, dealer) in dealers.enumerated() {
            try s.send(dealer, Message(strings: ["hello", "from \(index)"]))
        }
        var ids: [Int: Frame] = [:]
        for _ in dealers {
            let message = try s.receive(router, "ROUTER to receive one message from each DEALER")
            try s.expect(
                message.count == 3 && message[1].string == "hello",
                "[routing id, \"hello\", \"from N\"]", "got \(message.texts)")
            guard let index = ["from 0", "from 1", "from 2"].firstIndex(of: message[2].string ?? "") else {
                throw s.failure("the message to name its DEALER", "got \(message.texts)")
            }
            let id = message[0]
            if names[index].isEmpty {
                try s.expect(!id.isEmpty, "a DEALER without a routing id to get one made up by the ROUTER", "its id is empty")
            } else {
                try s.expect(id.string == names[index], "DEALER \(index)'s routing id '\(names[index])'", "got '\(id)'")
            }
            ids[index] = id
        }
        try s.expect(Set(ids.values).count == 3, "three distinct routing ids", "got \(ids.values.map(\.description))")
        // Replies are routed back by id, each to its DEALER only.
        for index in [2, 0, 1] {
            try s.send(router, Message([ids[index]!, Frame("reply"), Frame("to \(index)")]))
        }
        for (index, dealer) in dealers.enumerated() {
            try s.receive(dealer, expecting: ["reply", "to \(index)"], "DEALER \(index) to receive the reply routed to it")
        }
        try s.send(router, Message([ids[1]!, Frame("only beta")]))
        try s.receive(dealers[1], expecting: ["only beta"], "the DEALER 'beta' to receive the message routed to it")
        try s.expectNothing(dealers[0], "no message at 'alpha' after routing one to 'beta'")
        try s.expectNothing(dealers[2], "no message at the anonymous DEALER after routing one to 'beta'")
        router.routerMandatory = true
        let unroutable = s.error { () throws(VTXError) in try router.send(Message(strings: ["gamma", "nobody"])) }
        try s.expect(
            unroutable?.code == .hostUnreachable,
            "a mandatory ROUTER's send to an unknown routing id to throw hostUnreachable",
            unroutable.map { "it threw \($0)" } ?? "it was accepted")
    }

    /// ``Check/pair``.
    func checkPair(_ s: ConformanceSession) throws(ConformanceFailure) {
        let a = try s.socket(.pair)
        let b = try s.socket(.pair)
        try s.join(a, [b])
        // Ping-pong, then both sending at once.
        for index in 0..<10 {
            try s.send(b, Message(strings: ["ping", "\(index)", ""]))
            try s.receive(a, expecting: ["ping", "\(index)", ""], "the binding PAIR to receive ping \(index)")
            try s.send(a, Message(strings: ["pong", "\(index)"]))
            try s.receive(b, expecting: ["pong", "\(index)"], "the connecting PAIR to receive pong \(index)")
        }
        for index in 0..<100 {
            try s.send(a, Message(strings: ["a", "\(index)"]))
            try s.send(b, Message(strings: ["b", "\(index)"]))
        }
        for index in 0..<100 {
            try s.receive(b, expecting: ["a", "\(index)"], "message \(index) from the binding PAIR, in order")
            try s.receive(a, expecting: ["b", "\(index)"], "message \(index) from the connecting PAIR, in order")
        }
        try s.expectNothing(a, "nothing more at the binding PAIR")
    }
}
