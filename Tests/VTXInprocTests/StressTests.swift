import Foundation
import Testing
import VTX
import VTXTestSupport

@Suite("Concurrency stress", .timeLimit(.minutes(1)))
struct StressTests {
    /// Several threads, each with its own sockets, for a bounded time: PUSH producers feeding one PULL, and
    /// REQ/REP pairs ping-ponging. Every message must arrive exactly once, in per-producer order.
    @Test func threadsWithTheirOwnSocketsLoseAndDuplicateNothing() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let deadline = ContinuousClock.now + .seconds(10)
        let producerCount = 3
        let perProducer = 50_000
        let sinkEndpoint = uniqueEndpoint("sink")
        let sink = try makeSocket(vtx, .pull, timeout: .seconds(10))
        try sink.bind(sinkEndpoint)

        let failures = Guarded<[String]>([])
        let group = DispatchGroup()
        for producer in 0..<producerCount {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let push = try makeSocket(vtx, .push, timeout: .seconds(10))
                    push.sendHighWaterMark = 100
                    try push.connect(sinkEndpoint)
                    for sequence in 0..<perProducer where ContinuousClock.now < deadline {
                        var header = (UInt32(producer), UInt32(sequence))
                        let frame = withUnsafeBytes(of: &header) { Frame(copying: $0) }
                        try push.send(Message([frame, Frame([UInt8](repeating: UInt8(sequence & 0xFF), count: sequence % 64))]))
                    }
                    push.close()
                } catch {
                    failures.withLock { $0.append("producer \(producer): \(error)") }
                }
            }.start()
        }
        for pair in 0..<2 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let endpoint = uniqueEndpoint("pingpong\(pair)")
                    let rep = try makeSocket(vtx, .rep, timeout: .seconds(10))
                    try rep.bind(endpoint)
                    let req = try makeSocket(vtx, .req, timeout: .seconds(10))
                    try req.connect(endpoint)
                    let echo = Thread {
                        while let request = try? rep.receive() {
                            if request[0].string == "stop" { try? rep.send("stopped"); return }
                            try? rep.send(request)
                        }
                    }
                    echo.start()
                    var round = 0
                    while round < 5_000 && ContinuousClock.now < deadline {
                        try req.send(Message("ping \(round)"))
                        let reply = try req.receive()
                        if reply[0].string != "ping \(round)" {
                            failures.withLock { $0.append("pair \(pair) round \(round): \(reply)") }
                            break
                        }
                        round += 1
                    }
                    try req.send("stop")
                    _ = try req.receive()
                } catch {
                    failures.withLock { $0.append("pair \(pair): \(error)") }
                }
            }.start()
        }

        var next = [UInt32](repeating: 0, count: producerCount)
        var received = 0
        while received < producerCount * perProducer && ContinuousClock.now < deadline + .seconds(5) {
            guard let message = try? sink.receive(timeout: .milliseconds(200)) else {
                if group.wait(timeout: .now()) == .success && (try? sink.tryReceive()) == nil { break }
                continue
            }
            let (producer, sequence) = message[0].withUnsafeBytes {
                ($0.loadUnaligned(fromByteOffset: 0, as: UInt32.self), $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            }
            guard Int(producer) < producerCount, sequence == next[Int(producer)] else {
                Issue.record("producer \(producer): expected \(next[min(Int(producer), producerCount - 1)]), got \(sequence)")
                return
            }
            #expect(message[1].count == Int(sequence) % 64)
            next[Int(producer)] += 1
            received += 1
        }
        #expect(group.wait(timeout: .now() + 10) == .success)
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        // Whatever each producer managed to send before the deadline arrived, in order, exactly once.
        #expect(received == next.reduce(0) { $0 + Int($1) })
        #expect(received > 0)
    }
}
