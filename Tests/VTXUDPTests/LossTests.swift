import Foundation
import Testing
import VTX
import VTXDriverTests
import VTXTestSupport
import VTXUDP

/// The reliable protocol on a bad path: 20% of datagrams lost, 5% duplicated, 5% reordered, both ways
/// (fault injection on both endpoints). Nothing may be lost, duplicated or reordered.
@Suite("UDP under loss, duplication and reordering", .serialized, .timeLimit(.minutes(3)))
struct LossTests {
    static let faults = "loss=20&duplicate=5&reorder=5"

    /// 100,000 PUSH/PULL messages (fewer under ThreadSanitizer) arrive complete, in order, each exactly once.
    @Test func pushPullUnderLoss() async throws {
        let count = 100_000 / SanitizerSlowdown.factor
        let outcome = try await onOwnThread { () throws -> (received: [Int], seconds: Double, stats: UDPStatistics.Snapshot) in
            let h = UDPHarness()
            let pull = try h.socket(.pull)
            let push = try h.socket(.push)
            defer { h.finish(push, pull) }
            try h.join(pull, push, options: Self.faults)
            let start = ContinuousClock.now
            let failure = Guarded<VTXError?>(nil)
            let sent = DispatchSemaphore(value: 0)
            Thread {
                do throws(VTXError) {
                    for i in 0..<count { try push.send("\(i)") }
                } catch {
                    failure.withLock { $0 = error }
                }
                sent.signal()
            }.start()
            defer { _ = sent.wait(timeout: .now() + 60) }  // the PUSH is the sender thread's until it is done
            var received: [Int] = []
            received.reserveCapacity(count)
            for _ in 0..<count {
                let message = try pull.receive()
                received.append(Int(message[0].string ?? "") ?? -1)
            }
            let elapsed = ContinuousClock.now - start
            if let error = failure.withLock({ $0 }) { throw error }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return (received, seconds, h.udp.statistics.snapshot)
        }
        #expect(outcome.received.count == count)
        #expect(outcome.received == Array(0..<count), "messages lost, duplicated or out of order")
        #expect(outcome.stats.injectedLosses > 0 && outcome.stats.retransmissions > 0)
        print("udp loss test: \(count) PUSH/PULL messages in \(String(format: "%.2f", outcome.seconds)) s, "
              + "\(outcome.stats.injectedLosses) datagrams dropped by injection, "
              + "\(outcome.stats.retransmissions) retransmitted")
    }

    /// 2,000 REQ/REP round trips (fewer under ThreadSanitizer): every reply matches its request.
    @Test func requestReplyUnderLoss() async throws {
        let count = 2_000 / SanitizerSlowdown.factor
        let outcome = try await onOwnThread { () throws -> (mismatches: Int, seconds: Double) in
            let h = UDPHarness()
            let rep = try h.socket(.rep)
            let req = try h.socket(.req)
            defer { h.finish(req, rep) }
            try h.join(rep, req, options: Self.faults)
            let served = DispatchSemaphore(value: 0)
            Thread {
                for _ in 0..<count {
                    guard let request = try? rep.receive(), (try? rep.send(Message(request.frames))) != nil else { break }
                }
                served.signal()
            }.start()
            defer { _ = served.wait(timeout: .now() + 60) }  // the REP is the server thread's until it is done
            let start = ContinuousClock.now
            var mismatches = 0
            for i in 0..<count {
                try req.send("request \(i)")
                if try req.receive()[0].string != "request \(i)" { mismatches += 1 }
            }
            let elapsed = ContinuousClock.now - start
            return (mismatches, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        #expect(outcome.mismatches == 0)
        print("udp loss test: \(count) REQ/REP round trips in \(String(format: "%.2f", outcome.seconds)) s")
    }

    /// A multipart message of 1 MiB crosses intact, byte for byte.
    @Test func oneMebibyteMultipartUnderLoss() async throws {
        let frames: [Frame] = [
            Frame("header"), Frame(), Frame((0..<(512 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }),
            Frame((0..<(512 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }),
        ]
        let received = try await onOwnThread { () throws -> Message in
            let h = UDPHarness()
            let pull = try h.socket(.pull)
            let push = try h.socket(.push)
            defer { h.finish(push, pull) }
            try h.join(pull, push, options: Self.faults)
            try push.send(Message(frames))
            return try pull.receive()
        }
        #expect(received.count == frames.count)
        #expect(received.frames == frames, "the 1 MiB message was damaged")
    }

    /// PUB/SUB best-effort under loss: what arrives is in order and never duplicated, and the driver counts
    /// what arrived and what was lost.
    @Test func publishSubscribeBestEffortCountsLoss() async throws {
        let outcome = try await onOwnThread { () throws -> (received: [Int], stats: UDPStatistics.Snapshot) in
            let h = UDPHarness()
            let pub = try h.socket(.pub)
            let sub = try h.socket(.sub, timeout: .milliseconds(500))
            defer { h.finish(pub, sub) }
            // Room for the whole burst, so that what is missing was lost on the path, not dropped at a full queue.
            pub.sendHighWaterMark = 10_000
            sub.receiveHighWaterMark = 10_000
            try sub.subscribe("")
            try h.join(pub, sub, options: Self.faults + "&payload=64")
            // Until the subscription has crossed (it travels reliably), send probes.
            var ready = false
            for _ in 0..<100 where !ready {
                try pub.send("probe")
                ready = (try? sub.receive(timeout: .milliseconds(100))) != nil
            }
            guard ready else { throw VTXError(.timedOut, "the subscription never reached the publisher") }
            for _ in 0..<200 where (try? sub.receive(timeout: .milliseconds(200))) == nil { break }  // the probes
            for i in 0..<2000 { try pub.send("\(i)") }
            try pub.send("end")
            var received: [Int] = []
            for _ in 0..<2001 {
                guard let message = try? sub.receive(timeout: .seconds(1)) else { break }
                guard let text = message[0].string, text != "end" else { break }
                if let n = Int(text) { received.append(n) }
            }
            return (received, h.udp.statistics.snapshot)
        }
        #expect(outcome.received == outcome.received.sorted() && Set(outcome.received).count == outcome.received.count,
                "best-effort delivery reordered or duplicated messages")
        #expect(outcome.received.count > 1000 && outcome.received.count < 2000, "\(outcome.received.count) of 2000")
        #expect(outcome.stats.bestEffortLost > 0 && outcome.stats.bestEffortDelivered >= outcome.received.count)
        print("udp best-effort: \(outcome.received.count) of 2000 delivered, \(outcome.stats.bestEffortLost) "
              + "datagrams lost, \(outcome.stats.bestEffortDelivered) messages delivered in all, "
              + "\(outcome.stats.bestEffortOverflow) dropped at a full queue")
    }
}
