import Testing
import VTX
import VTXTestSupport

@Suite("socket.messages and send(contentsOf:)", .timeLimit(.minutes(1)))
struct MessageSequenceTests {
    @Test func deliversMessagesInOrderAndEndsWhenTheBodyClosesTheSocket() async throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let (push, pull) = try makePushPull(vtx)
        for i in 0..<100 { try await push.send("m\(i)") }
        try await push.send(strings: ["last", "two frames"])
        var received: [[String]] = []
        for try await message in pull.messages {
            received.append(message.map { $0.string ?? "?" })
            if message.count == 2 { pull.close() }
        }
        #expect(received.count == 101)
        #expect(received.prefix(100).map { $0[0] } == (0..<100).map { "m\($0)" })
        #expect(received.last == ["last", "two frames"])
        // A closed socket's sequence ends at once, and so does an ended iterator.
        var iterator = pull.messages.makeAsyncIterator()
        #expect(try await iterator.next() == nil)
        #expect(try await iterator.next() == nil)
    }

    @Test func endsWhenTheManagerShutsDown() async throws {
        let vtx = VTX()
        let (push, pull) = try makePushPull(vtx)
        var (loop, seen) = startLoop(over: pull)
        try await push.send("before shutdown")
        #expect(await seen.next() == "before shutdown")
        vtx.shutdown()
        #expect(try await loop.value == 1)
        #expect(throws: VTXError.terminated) { try pull.receive() }
    }

    @Test func cancellingTheLoopLosesNoMessage() async throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let (push, pull) = try makePushPull(vtx)
        for i in 1...3 { try await push.send("\(i)") }
        // The body cancels its own task after the first message: the loop ends and "2" stays in the socket.
        let loop = Task {
            var seen: [String] = []
            for try await message in pull.messages {
                seen.append(message.first?.string ?? "")
                withUnsafeCurrentTask { $0?.cancel() }
            }
            return seen
        }
        #expect(try await loop.value == ["1"])
        #expect(try await pull.receiveString() == "2")
        #expect(try await pull.receiveString() == "3")
    }

    @Test func cancellingASuspendedLoopLeavesTheSocketUsable() async throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let (push, pull) = try makePushPull(vtx)
        var (loop, seen) = startLoop(over: pull)
        try await push.send("first")
        _ = await seen.next()
        loop.cancel()
        #expect(try await loop.value == 1)
        try await push.send("after the loop")
        pull.receiveTimeout = .seconds(10)
        #expect(try await pull.receiveString() == "after the loop")
        // A new loop over the same socket works.
        try await push.send("again")
        for try await message in pull.messages {
            #expect(message.first?.string == "again")
            break
        }
    }

    @Test func throwsErrorsThatDoNotEndTheSocket() async throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let (push, pull) = try makePushPull(vtx)
        pull.receiveTimeout = .milliseconds(20)
        var iterator = pull.messages.makeAsyncIterator()
        await #expect(throws: VTXError.timedOut) { try await iterator.next() }
        try await push.send("later")
        #expect(try await iterator.next()?.first?.string == "later")
        await #expect(throws: VTXError.notSupported) {
            for try await _ in push.messages {}
        }
    }

    @Test func writerSuspendsAtTheHighWaterMarkAndResumes() async throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let endpoint = uniqueEndpoint()
        let pull = try makeSocket(vtx, .pull)
        pull.receiveHighWaterMark = 4
        try pull.bind(endpoint)
        let push = try makeSocket(vtx, .push)
        push.sendHighWaterMark = 4
        push.sendTimeout = nil
        try push.connect(endpoint)
        let total = 100
        let highest = Guarded(-1)
        let (pulled, counter) = AsyncStream<Int>.makeStream()
        let source = CountingSequence(count: total) { index in
            highest.withLock { $0 = index }
            counter.yield(index)
        }
        let writer = Task { try await push.send(contentsOf: source) }

        // The writer takes messages from its source until the pipe is full, then waits in `send`.
        for await index in pulled where index >= 3 { break }
        let stalled = try await settled(highest)
        #expect(stalled < total - 1, "the writer did not stop at the high-water mark")
        // Reading lets it go on; everything arrives, in order.
        for i in 0..<total {
            #expect(try await pull.receiveString() == "\(i)")
        }
        #expect(try await writer.value == total)
    }

    @Test func sendsTheContentsOfAnArray() async throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let (push, pull) = try makePushPull(vtx)
        let sent = try await push.send(contentsOf: ["a", "b", "c"].map { Message($0) })
        #expect(sent == 3)
        #expect(try await pull.receiveStrings() == ["a"])
        #expect(try await pull.receiveString() == "b")
        #expect(try await pull.receiveString() == "c")
    }
}

/// Starts a task that iterates `socket.messages` (with no receive timeout) and returns how many it saw; each
/// message's first frame is reported through the iterator returned beside it.
private func startLoop(over socket: Socket) -> (loop: Task<Int, any Error>, seen: AsyncStream<String>.Iterator) {
    socket.receiveTimeout = nil
    let (events, seen) = AsyncStream<String>.makeStream()
    let loop = Task {
        var count = 0
        for try await message in socket.messages {
            count += 1
            seen.yield(message.first?.string ?? "")
        }
        return count
    }
    return (loop, events.makeAsyncIterator())
}

/// The value of `counter` once it stops changing for `grace`. Proving that something does not happen needs a time
/// bound; what must happen is awaited.
private func settled(_ counter: Guarded<Int>, grace: Duration = .milliseconds(150)) async throws -> Int {
    var last = counter.withLock { $0 }
    for _ in 0..<100 {
        try await Task.sleep(for: grace)  // Not a wait-for-event: the quiet time that shows nothing more happens.
        let now = counter.withLock { $0 }
        if now == last { return now }
        last = now
    }
    return last
}

/// The messages "0", "1", … "count-1", reporting each index as it is taken.
struct CountingSequence: AsyncSequence, Sendable {
    typealias Element = Message
    let count: Int
    let onNext: @Sendable (Int) -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        let count: Int
        let onNext: @Sendable (Int) -> Void
        var index = 0

        mutating func next() async -> Message? {
            guard index < count else { return nil }
            defer { index += 1 }
            onNext(index)
            return Message("\(index)")
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(count: count, onNext: onNext) }
}
