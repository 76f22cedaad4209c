import Foundation
import Testing
import VTX
import VTXDriverTests

/// A driver that accepts every command and never answers, so a `bind` on it waits until shutdown.
private final class SilentDriver: Driver {
    var capabilities: DriverCapabilities { DriverCapabilities(kind: .memory, isReliable: true, isOrdered: true) }
    func start(_ context: DriverContext) throws(VTXError) {}
    func handle(_ command: DriverCommand) {}
    func shutdown() {}
}

/// The suite itself: it fails drivers that do not conform, and says why.
@Suite("The conformance suite catches what it should", .timeLimit(.minutes(1)))
struct ConformanceSuiteSelfTests {
    /// inproc claiming features it lacks fails the checks that rely on them.
    @Test(arguments: [DriverConformance.Check.reconnect, .incompatibleTypes])
    func aTransportClaimingWhatItLacksFails(_ check: DriverConformance.Check) async throws {
        let claiming = DriverConformance(
            scheme: "inproc",
            features: .all,
            operationTimeout: .milliseconds(300),
            makeManager: { VTX() },
            makeBindEndpoint: { "inproc://self-test-\($0)" }
        )
        let failure = await #expect(throws: ConformanceFailure.self) { try await claiming.run(check) }
        #expect(failure?.check == check)
        #expect(failure?.description.hasPrefix("[inproc] \(check): expected ") == true, "\(String(describing: failure))")
    }

    /// A driver that never answers a bind outlives the time limit; shutting its manager down releases the check.
    /// (The blocking `run` runs on a thread of its own, off the cooperative pool.)
    @Test func aDriverThatNeverAnswersFailsTheTimeLimit() async throws {
        let silent = DriverConformance(
            scheme: "silent",
            timeLimit: .milliseconds(500),
            makeManager: { VTX(drivers: ["silent": SilentDriver()]) },
            makeBindEndpoint: { "silent://\($0)" }
        )
        let failure = await withCheckedContinuation { (continuation: CheckedContinuation<ConformanceFailure?, Never>) in
            Thread {
                do throws(ConformanceFailure) {
                    try silent.run(.pair)
                    continuation.resume(returning: nil)
                } catch {
                    continuation.resume(returning: error)
                }
            }.start()
        }
        #expect(failure?.expected == "the check to end within 0.5 seconds")
        #expect(failure?.actual.contains("shutting its manager down ended it") == true, "\(String(describing: failure))")
    }

    /// A manager that cannot be made fails the check with the error.
    @Test func aFailingManagerFailsTheCheck() async {
        struct NoManager: Error {}
        let broken = DriverConformance(scheme: "none", makeManager: { throw NoManager() }, makeBindEndpoint: { $0 })
        let failure = await #expect(throws: ConformanceFailure.self) { try await broken.run(.requestReply) }
        #expect(failure?.actual == "it threw NoManager()")
    }
}
