import Testing
import VTX

@Suite("REQ/REP over inproc", .timeLimit(.minutes(1)))
struct ReqRepTests {
    let vtx = VTX()

    @Test func roundRobinsRequestsOverSeveralReplies() throws {
        let endpoints = (0..<3).map { uniqueEndpoint("rr\($0)") }
        let reps = try endpoints.map { endpoint -> Socket in
            let rep = try makeSocket(vtx, .rep)
            try rep.bind(endpoint)
            return rep
        }
        let req = try makeSocket(vtx, .req)
        for endpoint in endpoints { try req.connect(endpoint) }
        // Two rounds: each REP must get exactly one request per round, in connect order.
        for round in 0..<2 {
            for (i, rep) in reps.enumerated() {
                try req.send(Message("r\(round)-\(i)"))
                let request = try rep.receive()
                #expect(request.strings == ["r\(round)-\(i)"])
                try rep.send(Message("ok\(i)"))
                #expect(try req.receive().strings == ["ok\(i)"])
            }
        }
    }

    @Test func enforcesLockStep() throws {
        let endpoint = uniqueEndpoint()
        let rep = try makeSocket(vtx, .rep)
        try rep.bind(endpoint)
        let req = try makeSocket(vtx, .req)
        try req.connect(endpoint)

        #expect(throws: VTXError.invalidState) { try req.receive() }
        #expect(throws: VTXError.invalidState) { try rep.send("too early") }
        try req.send("one")
        #expect(throws: VTXError.invalidState) { try req.send("two") }
        _ = try rep.receive()
        #expect(throws: VTXError.invalidState) { try rep.receive() }
        try rep.send("reply")
        #expect(try req.receive().strings == ["reply"])
    }

    @Test func requestWithNoPeerWouldBlockAndTimesOut() throws {
        let req = try makeSocket(vtx, .req, timeout: .milliseconds(50))
        try req.connect(uniqueEndpoint())
        // Connected to a name nobody bound: the request queues in the pending pipe, so bind nothing and
        // use a REQ with no endpoints at all for the mute case.
        let lonely = try makeSocket(vtx, .req, timeout: .milliseconds(50))
        #expect(try lonely.trySend("nobody") == false)
        let start = ContinuousClock.now
        #expect(throws: VTXError.timedOut) { try lonely.send("nobody") }
        #expect(ContinuousClock.now - start >= .milliseconds(45))
    }

    @Test func relaxedAllowsANewRequestAndDropsTheStaleReply() throws {
        let first = uniqueEndpoint("a")
        let second = uniqueEndpoint("b")
        let repA = try makeSocket(vtx, .rep)
        try repA.bind(first)
        let repB = try makeSocket(vtx, .rep)
        try repB.bind(second)
        let req = try makeSocket(vtx, .req)
        req.requestRelaxed = true
        try req.connect(first)
        try req.connect(second)

        try req.send("q1")
        #expect(try repA.receive().strings == ["q1"])
        try req.send("q2")  // allowed: relaxed
        #expect(try repB.receive().strings == ["q2"])
        try repA.send("stale")
        try repB.send("fresh")
        #expect(try req.receive().strings == ["fresh"])
        // The stale reply was discarded, not queued: the next exchange gets its own reply.
        try req.send("q3")
        let third = try repA.tryReceive() ?? repB.receive()
        #expect(third.strings == ["q3"])
    }

    @Test func correlateAddsARequestIdAndChecksIt() throws {
        let endpoint = uniqueEndpoint()
        let router = try makeSocket(vtx, .router)
        try router.bind(endpoint)
        let req = try makeSocket(vtx, .req)
        req.requestCorrelate = true
        req.requestRelaxed = true
        try req.connect(endpoint)

        try req.send("q1")
        let first = try router.receive()
        #expect(first.count == 4)  // [routing id][request id][""][q1]
        #expect(first[1].count == 4)
        #expect(first[2].isEmpty)
        try req.send("q2")
        let second = try router.receive()
        #expect(second[1] != first[1])
        // A reply carrying the old id is discarded; the one with the current id is delivered.
        try router.send(Message([first[0], first[1], Frame(), "old"]))
        try router.send(Message([second[0], second[1], Frame(), "new"]))
        #expect(try req.receive().strings == ["new"])
    }

    @Test func replyKeepsTheWholeEnvelope() throws {
        let endpoint = uniqueEndpoint()
        let rep = try makeSocket(vtx, .rep)
        try rep.bind(endpoint)
        let dealer = try makeSocket(vtx, .dealer)
        try dealer.connect(endpoint)

        try dealer.send(Message(["X", "Y", Frame(), "A"]))
        #expect(try rep.receive().strings == ["A"])
        try rep.send("B")
        #expect(try dealer.receive().strings == ["X", "Y", "", "B"])

        // A request without a delimiter is malformed and silently dropped.
        try dealer.send(Message(["no delimiter"]))
        try dealer.send(Message([Frame(), "good"]))
        #expect(try rep.receive().strings == ["good"])
    }

    @Test func routerSeesTheDelimiterFromREQ() throws {
        let endpoint = uniqueEndpoint()
        let router = try makeSocket(vtx, .router)
        try router.bind(endpoint)
        let req = try makeSocket(vtx, .req)
        req.routingId = "client-1"
        try req.connect(endpoint)
        try req.send(Message(["a", "b"]))
        let request = try router.receive()
        #expect(request.strings == ["client-1", "", "a", "b"])
        #expect(request.property("Routing-Id") == "client-1")
        try router.send(Message(["client-1", Frame(), "answer"]))
        #expect(try req.receive().strings == ["answer"])
    }

    @Test func replyToAPeerThatLeftIsDropped() throws {
        let endpoint = uniqueEndpoint()
        let rep = try makeSocket(vtx, .rep)
        try rep.bind(endpoint)
        let req = try makeSocket(vtx, .req)
        try req.connect(endpoint)
        try req.send("q")
        _ = try rep.receive()
        req.close()
        try rep.send("nobody listens")  // never blocks, never fails
        let other = try makeSocket(vtx, .req)
        try other.connect(endpoint)
        try other.send("q2")
        #expect(try rep.receive().strings == ["q2"])
        try rep.send("a2")
        #expect(try other.receive().strings == ["a2"])
    }
}
