import Foundation
import Testing
import VTX
import VTXTestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite("Poller and proxy over inproc", .timeLimit(.minutes(1)))
struct PollerProxyTests {
    let vtx = VTX()

    @Test func pollerReportsTheReadySocketAndTimesOut() throws {
        let (a, b) = (uniqueEndpoint("a"), uniqueEndpoint("b"))
        let pullA = try makeSocket(vtx, .pull)
        try pullA.bind(a)
        let pullB = try makeSocket(vtx, .pull)
        try pullB.bind(b)
        let push = try makeSocket(vtx, .push)
        try push.connect(b)

        let poller = Poller()
        try poller.add(pullA)
        try poller.add(pullB)
        #expect(throws: VTXError.invalidArgument) { try poller.add(pullA) }
        let start = ContinuousClock.now
        #expect(try poller.wait(timeout: .milliseconds(50)).isEmpty)
        #expect(ContinuousClock.now - start >= .milliseconds(45))

        try push.send("wake up")
        let ready = try poller.wait(timeout: .seconds(5))
        #expect(ready.count == 1)
        #expect(ready.first?.socket === pullB)
        #expect(ready.first?.events == .readable)
        #expect(try pullB.receive().strings == ["wake up"])
        #expect(try poller.wait(timeout: .zero).isEmpty)
    }

    @Test func pollerWakesWhenAMessageArrivesFromAnotherThread() throws {
        let endpoint = uniqueEndpoint()
        let pull = try makeSocket(vtx, .pull)
        try pull.bind(endpoint)
        let push = try makeSocket(vtx, .push)
        try push.connect(endpoint)
        let outcome = Guarded(false)
        let waiting = BlockingCall {
            let poller = Poller()
            let ready = try? { try poller.add(pull); return try poller.wait(timeout: .seconds(10)) }()
            outcome.withLock { $0 = ready?.first?.socket === pull }
        }
        // The poller is blocked waiting, with nothing ready, when the message is sent from this thread.
        #expect(waiting.awaitBlocked())
        try push.send("later")
        #expect(waiting.awaitReturn())
        #expect(outcome.withLock { $0 })
    }

    @Test func pollerMixesSocketsAndPlainDescriptors() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let pull = try makeSocket(vtx, .pull)
        try pull.bind(uniqueEndpoint())
        let poller = Poller()
        try poller.add(pull)
        try poller.add(fileDescriptor: fds[0])
        #expect(try poller.wait(timeout: .milliseconds(10)).isEmpty)
        var byte: UInt8 = 1
        #expect(write(fds[1], &byte, 1) == 1)
        let ready = try poller.wait(timeout: .seconds(5))
        #expect(ready.count == 1)
        #expect(ready.first?.fileDescriptor == fds[0])
        #expect(ready.first?.socket == nil)
    }

    @Test func pollerReportsWritability() throws {
        let endpoint = uniqueEndpoint()
        let pull = try makeSocket(vtx, .pull)
        pull.receiveHighWaterMark = 1
        try pull.bind(endpoint)
        let push = try makeSocket(vtx, .push)
        push.sendHighWaterMark = 1
        try push.connect(endpoint)
        let poller = Poller()
        try poller.add(push, events: .writable)
        #expect(try poller.wait(timeout: .zero).first?.events == .writable)
        while try push.trySend("fill") {}
        #expect(try poller.wait(timeout: .milliseconds(10)).isEmpty)
        _ = try pull.receive()
        #expect(try poller.wait(timeout: .seconds(5)).first?.events == .writable)
    }

    @Test func proxyForwardsRequestsAndRepliesWithCapture() throws {
        let frontendEndpoint = uniqueEndpoint("front")
        let backendEndpoint = uniqueEndpoint("back")
        let captureEndpoint = uniqueEndpoint("capture")
        let frontend = try makeSocket(vtx, .router)
        try frontend.bind(frontendEndpoint)
        let backend = try makeSocket(vtx, .dealer)
        try backend.bind(backendEndpoint)
        let capture = try makeSocket(vtx, .push)
        try capture.bind(captureEndpoint)
        let captured = try makeSocket(vtx, .pull)
        try captured.connect(captureEndpoint)

        let control = try ProxyControl()
        let proxy = try Proxy(frontend: frontend, backend: backend, capture: capture, control: control)
        let finished = DispatchSemaphore(value: 0)
        let outcome = Guarded<String>("running")
        let proxyThread = Thread {
            do {
                try proxy.run()
                outcome.withLock { $0 = "terminated" }
            } catch {
                outcome.withLock { $0 = "error \(error)" }
            }
            finished.signal()
        }
        proxyThread.start()

        let workers = try (0..<2).map { _ -> Socket in
            let worker = try makeSocket(vtx, .rep)
            try worker.connect(backendEndpoint)
            return worker
        }
        let workerThreads = workers.enumerated().map { i, worker in
            Thread {
                for _ in 0..<5 {
                    guard let request = try? worker.receive() else { return }
                    try? worker.send(Message("worker\(i): \(request[0].string ?? "")"))
                }
            }
        }
        for thread in workerThreads { thread.start() }

        let clients = try (0..<2).map { _ -> Socket in
            let client = try makeSocket(vtx, .req)
            try client.connect(frontendEndpoint)
            return client
        }
        for round in 0..<5 {
            for (c, client) in clients.enumerated() {
                try client.send(Message("c\(c)r\(round)"))
                let reply = try client.receive()
                #expect(reply.count == 1)
                #expect(reply[0].string?.hasSuffix(": c\(c)r\(round)") == true)
            }
        }
        // 10 requests and 10 replies went through the capture.
        var capturedCount = 0
        while capturedCount < 20, (try? captured.receive(timeout: .seconds(5))) != nil { capturedCount += 1 }
        #expect(capturedCount == 20)

        let statistics = control.statistics
        #expect(statistics.frontend.messagesIn == 30)  // [id][""][body] per request
        #expect(statistics.backend.messagesIn == 30)
        control.pause()
        #expect(control.isPaused)
        control.resume()
        control.terminate()
        #expect(finished.wait(timeout: .now() + 5) == .success)
        #expect(outcome.withLock { $0 } == "terminated")
    }

    @Test func proxyStopsWhenTheManagerShutsDown() throws {
        let local = VTX()
        let frontend = try makeSocket(local, .pull)
        try frontend.bind(uniqueEndpoint("f"))
        let backend = try makeSocket(local, .push)
        try backend.bind(uniqueEndpoint("b"))
        let outcome = Guarded<VTXError.Code?>(nil)
        let proxy = BlockingCall {
            do { try Proxy(frontend: frontend, backend: backend).run() } catch let error as VTXError {
                outcome.withLock { $0 = error.code }
            } catch {}
        }
        // The proxy is running (blocked waiting for traffic) when the manager shuts down.
        #expect(proxy.awaitBlocked())
        local.shutdown()
        #expect(proxy.awaitReturn(timeout: .seconds(5)))
        #expect(outcome.withLock { $0 } == .terminated)
    }
}
