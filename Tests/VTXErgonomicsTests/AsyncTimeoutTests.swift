import Testing
import VTX
import VTXTestSupport

/// The async `receive()` and `send(_:)` honour their timeouts every time: the timer that wakes a suspended call
/// sleeps until the deadline the call checks. A timer that slept for the timeout from its own start could wake just
/// before that deadline and leave the call suspended for good (CI, under load: `socket.messages` with a 20 ms
/// receive timeout hung until the test's time limit). Many short timeouts in a row give that race its chances.
@Suite("Async timeouts", .timeLimit(.minutes(1)))
struct AsyncTimeoutTests {
    @Test func everyShortReceiveTimeoutFires() async throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let (_, pull) = try makePushPull(vtx)
        pull.receiveTimeout = .milliseconds(1)
        let clock = ContinuousClock()
        for _ in 0..<300 {
            let start = clock.now
            await #expect(throws: VTXError.timedOut) { try await pull.receive() }
            // Never early: the deadline has passed when the call gives up.
            #expect(clock.now - start >= .milliseconds(1))
        }
    }

    /// A wait with the largest timeout suspends and is woken by a message without trapping. Its deadline is
    /// `now + .seconds(Int64.max)`: a timer sleeping until it trapped ("Not enough bits to represent the passed
    /// value", seen beside two CPU hogs, when the receive suspended before the message came).
    @Test func theLargestTimeoutWaitsWithoutTrapping() async throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let (push, pull) = try makePushPull(vtx)
        pull.receiveTimeout = .seconds(Int64.max)
        let executor = ObservedExecutor()
        defer { executor.finish() }
        let received = Task(executorPreference: executor) { try await pull.receiveString() }
        // The receive is suspended, its timer (if any) armed, before the message is sent.
        #expect(try await executor.awaitSuspended())
        try await push.send("edge")
        #expect(try await received.value == "edge")
    }

    @Test func everyShortSendTimeoutFires() async throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let push = try makeSocket(vtx, .push)
        // No peer: a PUSH socket cannot send.
        push.sendTimeout = .milliseconds(1)
        for _ in 0..<300 {
            await #expect(throws: VTXError.timedOut) { try await push.send("nobody") }
        }
    }
}
