import Logging
import ServiceLifecycle
import Testing
import VTX
import VTXServiceLifecycle

@Suite("VTXService under swift-service-lifecycle", .timeLimit(.minutes(1)))
struct ServiceLifecycleTests {
    /// A PULL in a manager of its own, bound to a loopback port, that takes little at a time (so that what the
    /// sender queued stays in the sender's pipe until the receiver reads).
    private func makeSlowReceiver(_ vtx: VTX) throws -> (socket: Socket, endpoint: String) {
        let pull = try makeSocket(vtx, .pull, timeout: .seconds(30))
        pull.receiveHighWaterMark = 10
        try pull.bind("tcp://127.0.0.1:*")
        return (pull, try #require(pull.lastEndpoint))
    }

    @Test func gracefulShutdownDeliversWhatAnOpenSocketQueued() async throws {
        let receiver = VTX()
        defer { receiver.shutdown() }
        let (pull, endpoint) = try makeSlowReceiver(receiver)

        let manager = VTX()
        let push = try makeSocket(manager, .push)
        push.sendHighWaterMark = 100_000
        push.linger = .seconds(30)
        try push.connect(endpoint)
        // 20 MB: more than the loopback socket buffers hold, so most of it is still queued at shutdown.
        let count = 5_000
        let body = Frame(count: 4096) { $0.initializeMemory(as: UInt8.self, repeating: 0x2A) }
        for i in 0..<count { try await push.send(Message([Frame("\(i)"), body])) }

        let group = ServiceGroup(services: [VTXService(manager)], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        await group.triggerGracefulShutdown()
        // The manager's shutdown lingers until the receiver has read everything.
        for i in 0..<count {
            let message = try await pull.receive()
            #expect(message.count == 2 && message[0].string == "\(i)" && message[1].count == 4096)
        }
        try await running.value
        #expect(manager.isTerminated)
        #expect(throws: VTXError.terminated) { try push.send("after shutdown") }
    }

    @Test func servicesListedAfterTheManagerStopFirst() async throws {
        let receiver = VTX()
        defer { receiver.shutdown() }
        let (pull, endpoint) = try makeSlowReceiver(receiver)

        let manager = VTX()
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let producer = Producer(manager: manager, endpoint: endpoint, count: 3_000) { startedContinuation.yield() }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: VTXService(manager)), .init(service: producer)],
                logger: Logger(label: "test")
            )
        )
        let running = Task { try await group.run() }
        for await _ in started { break }
        await group.triggerGracefulShutdown()
        for i in 0..<3_000 {
            #expect(try await pull.receiveStrings().first == "\(i)")
        }
        try await running.value
        #expect(manager.isTerminated)
    }

    @Test func cancellationAlsoShutsTheManagerDown() async throws {
        let manager = VTX()
        let service = VTXService(manager)
        let running = Task { try await service.run() }
        running.cancel()
        try await running.value
        #expect(manager.isTerminated)
        #expect(service.description == "VTXService")
    }
}

/// A service that queues messages on a PUSH, reports that it has, waits for graceful shutdown, and closes the
/// socket (whose linger the driver honours while the manager's service waits its turn).
private struct Producer: Service {
    let manager: VTX
    let endpoint: String
    let count: Int
    let didQueue: @Sendable () -> Void

    func run() async throws {
        let push = try manager.socket(.push)
        push.sendHighWaterMark = 100_000
        push.linger = .seconds(30)
        try push.connect(endpoint)
        let body = Frame(count: 4096) { $0.initializeMemory(as: UInt8.self, repeating: 0x2A) }
        for i in 0..<count { try await push.send(Message([Frame("\(i)"), body])) }
        didQueue()
        try? await gracefulShutdown()
        push.close()
    }
}
