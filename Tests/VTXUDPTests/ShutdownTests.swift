import Foundation
import Testing
import VTX
import VTXTestSupport
import VTXUDP

@Suite("UDP shutdown", .serialized, .timeLimit(.minutes(1)))
struct ShutdownTests {
    /// A manager shut down right after its PUSH queued 20,000 messages (libzmq's `remote_thr` does this) still
    /// delivers them all, in order, to a PULL in another manager: shutdown flushes within the linger.
    @Test func shutdownFlushesWhatWasQueued() async throws {
        let received = try await onOwnThread { () throws -> [Int] in
            let receiver = UDPHarness()
            let pull = try receiver.socket(.pull, timeout: .seconds(20))
            defer { receiver.finish(pull) }
            let endpoint = try receiver.bind(pull)
            let collected = Guarded<[Int]>([])
            let done = DispatchSemaphore(value: 0)
            Thread {
                for _ in 0..<20_000 {
                    guard let message = try? pull.receive() else { break }
                    collected.withLock { $0.append(Int(message[0].string ?? "") ?? -1) }
                }
                done.signal()
            }.start()
            let sender = UDPHarness()
            let push = try sender.socket(.push)
            try push.connect(endpoint)
            for i in 0..<20_000 { try push.send("\(i)") }
            sender.vtx.shutdown()
            push.close()
            _ = done.wait(timeout: .now() + 30)
            return collected.withLock { $0 }
        }
        #expect(received == Array(0..<20_000))
    }
}
