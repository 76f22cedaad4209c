import Foundation
import Testing
import VTX

@Suite("PUSH/PULL and PAIR over inproc", .timeLimit(.minutes(1)))
struct PushPullPairTests {
    let vtx = VTX()

    @Test func pushRoundRobinsOverPullers() throws {
        let endpoint = uniqueEndpoint()
        let push = try makeSocket(vtx, .push)
        try push.bind(endpoint)
        let pulls = try (0..<3).map { _ -> Socket in
            let pull = try makeSocket(vtx, .pull)
            try pull.connect(endpoint)
            return pull
        }
        // Wait until the binder has all three peers: a bound PUSH learns of them when it processes commands.
        var attempts = 0
        while attempts < 1000 {
            attempts += 1
            if push.isWritable { break }
        }
        for i in 0..<9 { try push.send(Message("m\(i)")) }
        var counts: [Int] = []
        for pull in pulls {
            var got: [String] = []
            while let message = try pull.tryReceive() { got.append(message[0].string!) }
            counts.append(got.count)
        }
        #expect(counts == [3, 3, 3])
    }

    /// A PULL that connects before the PUSH binds gets its pipe at once, before the peer is known; the bind
    /// announces the peer, so its messages still carry its metadata.
    @Test func messagesThroughAPipeMadeBeforeTheBindCarryTheBindersMetadata() throws {
        let endpoint = uniqueEndpoint()
        let pull = try makeSocket(vtx, .pull)
        try pull.connect(endpoint)
        let push = try makeSocket(vtx, .push)
        try push.bind(endpoint)
        try push.send("first")
        try push.send("second")
        for text in ["first", "second"] {
            let message = try pull.receive()
            #expect(message.strings == [text])
            #expect(message.property("Socket-Type") == "PUSH")
            #expect(message.property("Peer-Address") == endpoint)
        }
    }

    @Test func pullFairQueuesPushers() throws {
        let endpoint = uniqueEndpoint()
        let pull = try makeSocket(vtx, .pull)
        try pull.bind(endpoint)
        var pushes: [Socket] = []
        for name in ["a", "b", "c"] {
            let push = try makeSocket(vtx, .push)
            try push.connect(endpoint)
            for i in 0..<2 { try push.send(Message("\(name)\(i)")) }
            pushes.append(push)
        }
        var got: [String] = []
        for _ in 0..<6 { got.append(try pull.receive()[0].string!) }
        #expect(got == ["a0", "b0", "c0", "a1", "b1", "c1"])
    }

    @Test func pushBlocksAtTheHighWaterMark() throws {
        let endpoint = uniqueEndpoint()
        let pull = try makeSocket(vtx, .pull)
        pull.receiveHighWaterMark = 10
        try pull.bind(endpoint)
        let push = try makeSocket(vtx, .push, timeout: .milliseconds(50))
        push.sendHighWaterMark = 10
        try push.connect(endpoint)
        var sent = 0
        while try push.trySend(Message("x")), sent < 1000 { sent += 1 }
        #expect(sent == 20)  // inproc: the pipe holds SNDHWM + RCVHWM
        #expect(throws: VTXError.timedOut) { try push.send("blocked") }
        #expect(!push.isWritable)
        // Reading the low-water mark's worth makes room again.
        for _ in 0..<11 { _ = try pull.receive() }
        #expect(try push.trySend("room again"))
    }

    @Test func pushWithNoPeerWouldBlock() throws {
        let push = try makeSocket(vtx, .push)
        #expect(try push.trySend("nobody") == false)
        #expect(throws: VTXError.wouldBlock) { try push.send(Message("x"), timeout: .zero) }
    }

    @Test func millionMessagesNothingLostInOrder() throws {
        let endpoint = uniqueEndpoint()
        let pull = try makeSocket(vtx, .pull, timeout: .seconds(20))
        try pull.bind(endpoint)
        let push = try makeSocket(vtx, .push, timeout: .seconds(20))
        try push.connect(endpoint)
        let total = 1_000_000
        // A socket belongs to one thread at a time: wait for the producer to be done with `push`.
        let producerDone = DispatchSemaphore(value: 0)
        defer {
            _ = producerDone.wait(timeout: .now() + 30)
            push.close()
        }
        let producer = Thread {
            defer { producerDone.signal() }
            for i in 0..<total {
                var value = UInt64(i)
                let frame = withUnsafeBytes(of: &value) { Frame(copying: $0) }
                try? push.send(Message(frame))
            }
        }
        producer.start()
        var expected: UInt64 = 0
        for _ in 0..<total {
            let message = try pull.receive()
            let value = message[0].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            guard value == expected else {
                Issue.record("expected \(expected), got \(value)")
                return
            }
            expected += 1
        }
        #expect(expected == UInt64(total))
        #expect(try pull.tryReceive() == nil)
    }

    @Test func multipartMessagesAreAtomic() throws {
        let endpoint = uniqueEndpoint()
        let pull = try makeSocket(vtx, .pull)
        pull.receiveHighWaterMark = 1
        try pull.bind(endpoint)
        let push = try makeSocket(vtx, .push)
        push.sendHighWaterMark = 1
        try push.connect(endpoint)
        var sent = 0
        while try push.trySend(Message(["part1", "part2", Frame([UInt8](repeating: 7, count: 1000))])), sent < 100 {
            sent += 1
        }
        #expect(sent == 2)
        for _ in 0..<sent {
            let message = try pull.receive()
            #expect(message.count == 3)
            #expect(message[2].count == 1000)
        }
    }

    @Test func conflateKeepsOnlyTheNewest() throws {
        let endpoint = uniqueEndpoint()
        let pull = try makeSocket(vtx, .pull)
        pull.conflate = true
        try pull.bind(endpoint)
        let push = try makeSocket(vtx, .push)
        try push.connect(endpoint)
        for i in 0..<20 { try push.send(Message("m\(i)")) }
        #expect(try pull.receive().strings == ["m19"])
        #expect(try pull.tryReceive() == nil)
    }

    @Test func pullFromAClosedPusherGetsEverythingSentBeforeTheClose() throws {
        let endpoint = uniqueEndpoint()
        let pull = try makeSocket(vtx, .pull)
        try pull.bind(endpoint)
        let push = try makeSocket(vtx, .push)
        try push.connect(endpoint)
        for i in 0..<100 { try push.send(Message("m\(i)")) }
        push.close()
        for i in 0..<100 { #expect(try pull.receive().strings == ["m\(i)"]) }
        #expect(try pull.tryReceive() == nil)
    }

    @Test func disconnectLeavesPushWithNoPeer() throws {
        let endpoint = uniqueEndpoint()
        let pull = try makeSocket(vtx, .pull)
        try pull.bind(endpoint)
        let push = try makeSocket(vtx, .push)
        try push.connect(endpoint)
        #expect(try push.trySend("one"))
        try push.disconnect(endpoint)
        #expect(try push.trySend("two") == false)
        #expect(throws: VTXError.endpointNotFound) { try push.disconnect(endpoint) }
        #expect(throws: VTXError.endpointNotFound) { try pull.unbind("inproc://never-bound") }
    }

    @Test func pairBounces() throws {
        let endpoint = uniqueEndpoint()
        let a = try makeSocket(vtx, .pair)
        try a.bind(endpoint)
        let b = try makeSocket(vtx, .pair)
        try b.connect(endpoint)
        for i in 0..<10 {
            try a.send(Message("ping \(i)"))
            #expect(try b.receive().strings == ["ping \(i)"])
            try b.send(Message("pong \(i)"))
            #expect(try a.receive().strings == ["pong \(i)"])
        }
    }

    @Test func pairRefusesASecondPeer() throws {
        let endpoint = uniqueEndpoint()
        let a = try makeSocket(vtx, .pair)
        try a.bind(endpoint)
        let first = try makeSocket(vtx, .pair)
        try first.connect(endpoint)
        try first.send("from first")
        #expect(try a.receive().strings == ["from first"])
        let second = try makeSocket(vtx, .pair, timeout: .milliseconds(100))
        try second.connect(endpoint)
        try second.send("from second")  // queued into a pipe the binder refuses
        try first.send("first again")
        #expect(try a.receive().strings == ["first again"])
        try a.send("to my peer")
        #expect(try first.receive().strings == ["to my peer"])
        #expect(throws: VTXError.timedOut) { try second.receive() }
    }

    @Test func pairWithNoPeerWouldBlock() throws {
        let pair = try makeSocket(vtx, .pair)
        #expect(try pair.trySend("x") == false)
        #expect(try pair.tryReceive() == nil)
    }
}
