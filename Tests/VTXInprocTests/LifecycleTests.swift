import Foundation
import Testing
import VTX
import VTXTestSupport

@Suite("Errors, timeouts, shutdown, monitor, async", .timeLimit(.minutes(1)))
struct LifecycleTests {
    @Test func badEndpointsAndSchemesGiveTypedErrors() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let socket = try makeSocket(vtx, .pull)
        #expect(throws: VTXError.invalidEndpoint) { try socket.bind("no-scheme") }
        #expect(throws: VTXError.invalidEndpoint) { try socket.bind("inproc://") }
        #expect(throws: VTXError.invalidEndpoint) { try socket.connect("://name") }
        #expect(throws: VTXError.invalidEndpoint) { try socket.connect("inproc://with space") }
        do {
            try socket.connect("carrier-pigeon://coop")
            Issue.record("an unknown scheme must fail")
        } catch {
            #expect(error.code == .unknownTransport)
            #expect(error.message.contains("carrier-pigeon"))
            #expect(error.message.contains("inproc"))
        }
        #expect(vtx.schemes == ["inproc", "ipc", "tcp", "udp"])
    }

    @Test func wrongStateAndTypeErrors() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let sub = try makeSocket(vtx, .sub)
        #expect(throws: VTXError.notSupported) { try sub.send("x") }
        let pub = try makeSocket(vtx, .pub)
        #expect(throws: VTXError.notSupported) { try pub.receive() }
        let push = try makeSocket(vtx, .push)
        #expect(throws: VTXError.notSupported) { try push.receive() }
        let pull = try makeSocket(vtx, .pull)
        #expect(throws: VTXError.notSupported) { try pull.send("x") }
        #expect(throws: VTXError.invalidArgument) { try push.send(Message()) }
    }

    @Test func inprocAddressInUseAndIncompatibleTypes() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let endpoint = uniqueEndpoint()
        let first = try makeSocket(vtx, .pub)
        try first.bind(endpoint)
        let second = try makeSocket(vtx, .pub)
        #expect(throws: VTXError.addressInUse) { try second.bind(endpoint) }
        let push = try makeSocket(vtx, .push)
        #expect(throws: VTXError.incompatibleSocketType) { try push.connect(endpoint) }
        // Once the first binder closes, the name is free again.
        first.close()
        try second.bind(endpoint)
    }

    @Test func closedSocketRefusesCalls() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let socket = try makeSocket(vtx, .dealer)
        socket.close()
        socket.close()
        #expect(throws: VTXError.socketClosed) { try socket.send("x") }
        #expect(throws: VTXError.socketClosed) { try socket.receive() }
        #expect(throws: VTXError.socketClosed) { try socket.bind(uniqueEndpoint()) }
    }

    @Test func receiveTimeoutTimesOut() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let pull = try makeSocket(vtx, .pull, timeout: .milliseconds(100))
        try pull.bind(uniqueEndpoint())
        let start = ContinuousClock.now
        #expect(throws: VTXError.timedOut) { try pull.receive() }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(95))
        #expect(elapsed < .seconds(3))
        #expect(throws: VTXError.wouldBlock) { try pull.receive(timeout: .zero) }
    }

    @Test func shutdownInterruptsBlockedReceivers() throws {
        let vtx = VTX()
        let endpoint = uniqueEndpoint()
        let receivers = try (0..<3).map { i -> Socket in
            let socket = try makeSocket(vtx, .pull, timeout: .seconds(30))
            if i == 0 { try socket.bind(endpoint) } else { try socket.connect(uniqueEndpoint("r\(i)")) }
            return socket
        }
        let results = Guarded<[VTXError.Code]>([])
        let calls = receivers.map { socket in
            BlockingCall {
                do {
                    _ = try socket.receive()
                    results.withLock { $0.append(.systemError) }
                } catch let error as VTXError {
                    results.withLock { $0.append(error.code) }
                } catch {
                    results.withLock { $0.append(.systemError) }
                }
            }
        }
        // Each receive is blocked waiting before the shutdown, which must wake every one of them.
        for call in calls { #expect(call.awaitBlocked()) }
        let start = ContinuousClock.now
        vtx.shutdown()
        for call in calls { #expect(call.awaitReturn(timeout: .seconds(5))) }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(results.withLock { $0 } == [.terminated, .terminated, .terminated])
        #expect(throws: VTXError.terminated) { try vtx.socket(.req) }
        #expect(throws: VTXError.terminated) { try receivers[0].send(Message("x"), timeout: .zero) }
        for socket in receivers { socket.close() }
    }

    @Test func monitorReportsInprocEvents() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let endpoint = uniqueEndpoint()
        let server = try makeSocket(vtx, .rep)
        let serverEvents = try server.monitor()
        try server.bind(endpoint)
        let client = try makeSocket(vtx, .req)
        let clientEvents = try client.monitor()
        try client.connect(endpoint)

        let listening = serverEvents.next(.listening, timeout: .seconds(5))
        #expect(listening?.endpoint == endpoint)
        #expect(clientEvents.next(.connected, timeout: .seconds(5)) != nil)
        #expect(serverEvents.next(.accepted, timeout: .seconds(5)) != nil)
        server.close()
        #expect(serverEvents.next(.monitorStopped, timeout: .seconds(5)) != nil)
        #expect(serverEvents.next(timeout: .milliseconds(10)) == nil)
    }

    @Test func asyncReceiveSuspendsUntilAMessageArrives() async throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let endpoint = uniqueEndpoint()
        let pull = try makeSocket(vtx, .pull)
        try pull.bind(endpoint)
        let push = try makeSocket(vtx, .push)
        try push.connect(endpoint)
        let executor = ObservedExecutor()
        defer { executor.finish() }
        let received = Task(executorPreference: executor) { try await pull.receive() }
        // The receive is suspended, with nothing to take, before the message is sent.
        #expect(try await executor.awaitSuspended())
        try await push.send(Message("async hello"))
        #expect(try await received.value.strings == ["async hello"])
    }

    @Test func asyncReceiveHonoursTimeoutAndCancellation() async throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let pull = try makeSocket(vtx, .pull, timeout: .milliseconds(50))
        try pull.bind(uniqueEndpoint())
        // The timeout is a task on the cooperative pool: while blocking work held the pool's threads it could not
        // fire before the time limit cancelled the test, and the receive said `cancelled` (docs/RELIABILITY.md,
        // "A suite that holds under load"; no test blocks a pool thread now). A timer that fires before the
        // receive's deadline does the same: reported, see that section.
        await #expect(throws: VTXError.timedOut) { try await pull.receive() }

        let patient = try makeSocket(vtx, .pull, timeout: .seconds(30))
        try patient.bind(uniqueEndpoint())
        let executor = ObservedExecutor()
        defer { executor.finish() }
        let task = Task(executorPreference: executor) { try await patient.receive() }
        // The receive is suspended, waiting, when it is cancelled (not cancelled before it began).
        #expect(try await executor.awaitSuspended())
        task.cancel()
        do {
            _ = try await task.value
            Issue.record("a cancelled receive must throw")
        } catch let error as VTXError {
            #expect(error.code == .cancelled)
        }
    }

    @Test func managerSchemesAndCapabilities() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        #expect(vtx.capabilities(of: "inproc")?.kind == .memory)
        #expect(vtx.capabilities(of: "nope") == nil)
    }
}
