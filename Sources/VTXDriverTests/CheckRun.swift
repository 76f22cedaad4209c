import Foundation
import VTXCore

/// One check running on a thread of its own, and what a watchdog needs when it outlives its time limit: its
/// manager, to shut down (which ends every blocked socket call).
final class CheckRun: @unchecked Sendable {
    // @unchecked Sendable: `manager` is read and written only while `lock` is held; the rest is immutable.
    private let lock = NSLock()
    private var manager: VTX?
    private let check: DriverConformance.Check
    private let conformance: DriverConformance
    private var worker: WorkerThread<Result<Void, ConformanceFailure>>!

    /// Starts the check on its thread.
    init(check: DriverConformance.Check, conformance: DriverConformance) {
        self.check = check
        self.conformance = conformance
        worker = WorkerThread(name: "vtx.conformance.\(check)") { [self] in
            do throws(ConformanceFailure) {
                try execute()
                return .success(())
            } catch {
                return .failure(error)
            }
        }
    }

    /// Runs the check on the calling thread: a fresh manager, the check's body, then its sockets closed and the
    /// manager shut down.
    private func execute() throws(ConformanceFailure) {
        let vtx: VTX
        do {
            vtx = try conformance.makeManager()
        } catch {
            throw ConformanceFailure(
                check: check, scheme: conformance.scheme, expected: "makeManager() to make a manager", actual: "it threw \(error)")
        }
        lock.withLock { manager = vtx }
        let session = ConformanceSession(check: check, conformance: conformance, vtx: vtx)
        defer { session.finish() }
        try conformance.perform(check, in: session)
    }

    /// Blocks until the check ends; throws its failure, or a time-limit failure when it outlives its limit.
    func waitBlocking() throws(ConformanceFailure) {
        if try settle(worker.join(within: conformance.timeLimit)) { return }
        throw timeLimitFailure(released: worker.join(within: .seconds(3)) != nil)
    }

    /// Suspends until the check ends; throws as ``waitBlocking()``.
    func wait() async throws(ConformanceFailure) {
        if try settle(await worker.value(within: conformance.timeLimit)) { return }
        throw timeLimitFailure(released: await worker.value(within: .seconds(3)) != nil)
    }

    /// Whether the check ended (throwing its failure if it failed). When it did not, shuts its manager down, which
    /// should end any blocked socket call.
    private func settle(_ result: Result<Void, ConformanceFailure>?) throws(ConformanceFailure) -> Bool {
        if let result {
            try result.get()
            return true
        }
        lock.withLock { manager }?.shutdown()
        return false
    }

    /// The failure of a check that outlived its time limit; `released` tells whether shutting its manager down
    /// let it end.
    private func timeLimitFailure(released: Bool) -> ConformanceFailure {
        ConformanceFailure(
            check: check,
            scheme: conformance.scheme,
            expected: "the check to end within \(conformance.timeLimit)",
            actual: released
                ? "it was still running then; shutting its manager down ended it (a call was stuck until shutdown)"
                : "it was still running then, and still was after its manager was shut down (a call hangs through shutdown)"
        )
    }
}
