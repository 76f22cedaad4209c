import Testing
import VTX

@Suite("DEALER/ROUTER over inproc", .timeLimit(.minutes(1)))
struct DealerRouterTests {
    let vtx = VTX()

    @Test func routesByRoutingId() throws {
        let endpoint = uniqueEndpoint()
        let router = try makeSocket(vtx, .router)
        try router.bind(endpoint)
        var dealers: [String: Socket] = [:]
        for name in ["A", "B", "C"] {
            let dealer = try makeSocket(vtx, .dealer)
            dealer.routingId = Frame(name)
            try dealer.connect(endpoint)
            dealers[name] = dealer
        }
        for (name, dealer) in dealers {
            try dealer.send(Message("from \(name)"))
            let message = try router.receive()
            #expect(message.strings == [name, "from \(name)"])
        }
        try router.send(Message(["B", "only for B", "part 2"]))
        #expect(try dealers["B"]!.receive().strings == ["only for B", "part 2"])
        #expect(try dealers["A"]!.tryReceive() == nil)
        #expect(try dealers["C"]!.tryReceive() == nil)
    }

    @Test func generatesFiveByteIdsForAnonymousPeers() throws {
        let endpoint = uniqueEndpoint()
        let router = try makeSocket(vtx, .router)
        try router.bind(endpoint)
        let dealer = try makeSocket(vtx, .dealer)
        try dealer.connect(endpoint)
        try dealer.send("hi")
        let message = try router.receive()
        #expect(message[0].count == 5)
        #expect(message[0].first == 0)
        try router.send(Message([message[0], "back"]))
        #expect(try dealer.receive().strings == ["back"])
    }

    @Test func unroutableIsDroppedUnlessMandatory() throws {
        let router = try makeSocket(vtx, .router)
        try router.bind(uniqueEndpoint())
        try router.send(Message(["nobody", "dropped"]))  // silently dropped
        #expect(router.isWritable)
        router.routerMandatory = true
        #expect(throws: VTXError.hostUnreachable) { try router.send(Message(["nobody", "fails"])) }
        // The next message is a fresh one, starting with its own routing id.
        #expect(throws: VTXError.hostUnreachable) { try router.send(Message(["still-nobody", "x"])) }
    }

    @Test func mandatoryRouterWaitsForAFullPeer() throws {
        let endpoint = uniqueEndpoint()
        let router = try makeSocket(vtx, .router, timeout: .milliseconds(50))
        router.routerMandatory = true
        router.sendHighWaterMark = 1
        try router.bind(endpoint)
        let dealer = try makeSocket(vtx, .dealer)
        dealer.routingId = "D"
        dealer.receiveHighWaterMark = 1
        try dealer.connect(endpoint)
        try dealer.send("hello")
        _ = try router.receive()
        var sent = 0
        while try router.trySend(Message([Frame("D"), Frame("m\(sent)")])) {
            sent += 1
            if sent > 100 { break }
        }
        #expect(sent == 2)  // inproc HWM is the sum of both sides: 1 + 1
        #expect(throws: VTXError.timedOut) { try router.send(Message(["D", "blocked"])) }
        #expect(try dealer.receive().strings == ["m0"])
        #expect(try dealer.receive().strings == ["m1"])
    }

    /// A ROUTER that connects before the name is bound learns the binder's routing id when the bind comes (its
    /// pipe is made then, as the stream drivers do), instead of giving the binder a generated id.
    @Test func routerConnectingBeforeTheBindUsesTheBindersRoutingId() throws {
        let endpoint = uniqueEndpoint()
        let router = try makeSocket(vtx, .router)
        router.routerMandatory = true
        let events = try router.monitor()
        try router.connect(endpoint)
        #expect(throws: VTXError.hostUnreachable) { try router.send(Message(["binder", "too early"])) }
        let dealer = try makeSocket(vtx, .dealer)
        dealer.routingId = "binder"
        try dealer.bind(endpoint)
        #expect(events.next(.connected, timeout: .seconds(5)) != nil)
        try router.send(Message(["binder", "hello"]))
        #expect(try dealer.receive().strings == ["hello"])
        try dealer.send("answer")
        #expect(try router.receive().strings == ["binder", "answer"])
    }

    @Test func dealerRoundRobinsAndFairQueues() throws {
        let endpoints = (0..<3).map { uniqueEndpoint("d\($0)") }
        var routers: [Socket] = []
        for endpoint in endpoints {
            let router = try makeSocket(vtx, .router)
            try router.bind(endpoint)
            routers.append(router)
        }
        let dealer = try makeSocket(vtx, .dealer)
        for endpoint in endpoints { try dealer.connect(endpoint) }
        for i in 0..<6 { try dealer.send(Message("m\(i)")) }
        var ids: [Frame] = []
        for (i, router) in routers.enumerated() {
            let first = try router.receive()
            #expect(first[1].string == "m\(i)")
            #expect(try router.receive()[1].string == "m\(i + 3)")
            ids.append(first[0])
        }
        // Fair queue: each router answers twice; the dealer takes one message from each peer in turn.
        for (i, router) in routers.enumerated() {
            try router.send(Message([ids[i], Frame("a\(i)")]))
            try router.send(Message([ids[i], Frame("b\(i)")]))
        }
        var received: [String] = []
        for _ in 0..<6 { received.append(try dealer.receive()[0].string ?? "") }
        #expect(received == ["a0", "a1", "a2", "b0", "b1", "b2"])
    }

    @Test func connectRoutingIdLetsRouterSendFirst() throws {
        let endpoint = uniqueEndpoint()
        let server = try makeSocket(vtx, .router)
        server.routingId = "server"
        try server.bind(endpoint)
        let client = try makeSocket(vtx, .router)
        client.routingId = "client"
        client.connectRoutingId = "to-server"
        try client.connect(endpoint)
        try client.send(Message(["to-server", "hello"]))
        #expect(try server.receive().strings == ["client", "hello"])
        try server.send(Message(["client", "welcome"]))
        #expect(try client.receive().strings == ["to-server", "welcome"])
    }

    @Test func duplicateRoutingIdIsIgnoredOrHandedOver() throws {
        let endpoint = uniqueEndpoint()
        let router = try makeSocket(vtx, .router)
        try router.bind(endpoint)
        let first = try makeSocket(vtx, .dealer)
        first.routingId = "same"
        try first.connect(endpoint)
        try first.send("one")
        #expect(try router.receive().strings == ["same", "one"])

        let second = try makeSocket(vtx, .dealer)
        second.routingId = "same"
        try second.connect(endpoint)
        try second.send("ignored")
        try first.send("two")
        #expect(try router.receive().strings == ["same", "two"])

        router.routerHandover = true
        let third = try makeSocket(vtx, .dealer)
        third.routingId = "same"
        try third.connect(endpoint)
        try third.send("three")
        #expect(try router.receive().strings == ["same", "three"])
        try router.send(Message(["same", "to third"]))
        #expect(try third.receive().strings == ["to third"])
    }

    @Test func probeRouterSendsAnEmptyMessage() throws {
        let endpoint = uniqueEndpoint()
        let router = try makeSocket(vtx, .router)
        try router.bind(endpoint)
        let dealer = try makeSocket(vtx, .dealer)
        dealer.probeRouter = true
        try dealer.connect(endpoint)
        let probe = try router.receive()
        #expect(probe.count == 2)
        #expect(probe[1].isEmpty)
    }
}
