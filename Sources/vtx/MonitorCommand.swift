import ArgumentParser
import Foundation
import Synchronization
import VTX

/// `vtx monitor`: bind or connect a socket and print its monitor events as they happen.
struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Bind or connect a socket and print its monitor events, with timestamps, as they happen.",
        discussion: """
            Each ENDPOINT is bind:ENDPOINT or connect:ENDPOINT; a bare endpoint connects, except tcp://*:PORT, which can only be bound and so binds. Each event prints one line: the time (UTC, ISO 8601, milliseconds), the event (listening, accepted, connected, connectDelayed, connectRetried, handshakeSucceeded, handshakeFailed, disconnected, closed, …), the endpoint, and the peer, retry interval or error when there is one. The socket reads and drops any message that arrives. Without --duration or --count it runs until interrupted (Ctrl-C), then exits 0.

            Examples:
              vtx monitor tcp://127.0.0.1:5555
              vtx monitor --type sub connect:ipc:///tmp/feed --duration 10
              vtx monitor --type router bind:tcp://127.0.0.1:5555 --count 3
            """
    )

    @Argument(help: ArgumentHelp("bind:ENDPOINT, connect:ENDPOINT, or ENDPOINT (connects; tcp://*:PORT binds).", valueName: "endpoint"))
    var endpoints: [String]

    @Option(help: "The socket type, so the peer accepts the handshake (any case).")
    var type: String = "DEALER"

    @Option(help: ArgumentHelp("Stop after SECONDS.", valueName: "seconds"))
    var duration: Double?

    @Option(help: ArgumentHelp("Stop after N events.", valueName: "n"))
    var count: Int?

    /// Checks the bounds and that there is an endpoint.
    func validate() throws {
        guard !endpoints.isEmpty else { throw ValidationError("give at least one endpoint") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be more than 0 seconds") }
        if let count, count < 1 { throw ValidationError("--count must be 1 or more") }
    }

    /// Binds or connects, then prints events until a bound is reached or the process is interrupted.
    func run() throws {
        let type = try ToolFailure.socketType(named: type)
        let limit = try duration.map { (seconds) throws(ToolFailure) in
            try Duration(commandLine: seconds, option: "--duration", allowsZero: true)
        }
        let specs = endpoints.map(EndpointSpec.init(parsing:))
        let vtx = VTX()
        let socket = try vtx.socket(type)
        let monitor = try socket.monitor()
        for spec in specs { try spec.apply(to: socket) }

        let stopped = Atomic<Bool>(false)
        let interruption = Interruption { stopped.store(true, ordering: .relaxed) }
        defer { interruption.cancel() }
        let output = MessageOutput()
        let clock = EventClock()
        let deadline = limit.map { ContinuousClock.now + $0 }
        var printed = 0
        while count.map({ printed < $0 }) ?? true, !stopped.load(ordering: .relaxed) {
            var wait: Duration = .milliseconds(100)
            if let deadline {
                let left = deadline - .now
                if left <= .zero { break }
                wait = min(wait, left)
            }
            let event = monitor.next(timeout: wait)
            drain(socket)
            guard let event else { continue }
            output.line("\(clock.timestamp(of: event.timestamp)) \(event)")
            output.flush()
            printed += 1
        }
        vtx.shutdown()
        socket.close()
    }

    /// Lets the socket take its commands (attached pipes, endpoint answers) and drops what arrived.
    private func drain(_ socket: Socket) {
        while socket.isReadable, (try? socket.tryReceive()) != nil {}
    }
}

/// Turns the monotonic instants of monitor events into wall-clock times.
struct EventClock {
    private let wallStart = Date()
    private let monotonicStart = ContinuousClock.now
    private let formatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    /// The instant as `2025-01-31T12:34:56.789Z`.
    func timestamp(of instant: ContinuousClock.Instant) -> String {
        formatter.string(from: wallStart.addingTimeInterval((instant - monotonicStart).inSeconds))
    }
}
