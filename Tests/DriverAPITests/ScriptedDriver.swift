import Foundation
import VTXCore
import VTXTestSupport

/// A driver whose behaviour a test writes: every command is recorded, then handed to `script` on the driver's own
/// thread. Tests use it to see what the core sends a driver and when (answers, reconnects, disconnects).
final class ScriptedDriver: Driver {
    /// What the test does with each command, on the driver's thread; `nil` answers nothing (a silent driver).
    typealias Script = @Sendable (DriverCommand, ScriptedDriver) -> Void

    let capabilities: DriverCapabilities
    let thread = DriverThread(name: "vtx.scripted")
    private let script: Script?
    private let log = Guarded<[DriverCommand]>([])
    private let changed = NSCondition()

    init(capabilities: DriverCapabilities = DriverCapabilities(kind: .memory, isReliable: true, isOrdered: true), script: Script?) {
        self.capabilities = capabilities
        self.script = script
    }

    func start(_ context: DriverContext) throws(VTXError) {
        try thread.start()
    }

    func handle(_ command: DriverCommand) {
        thread.execute { [self] in
            log.withLock { $0.append(command) }
            script?(command, self)
            changed.lock()
            changed.broadcast()
            changed.unlock()
        }
    }

    func shutdown() {
        thread.stop()
    }

    /// The commands received so far, by name (`bind`, `connect`, `reconnect`, `unbind`, `disconnect`).
    var commandNames: [String] {
        log.withLock { $0.map(\.name) }
    }

    /// The endpoints of the commands received so far.
    var recordedEndpoints: [DriverEndpoint] {
        log.withLock { $0.map(\.endpoint) }
    }

    /// Waits until `condition` holds for the commands received, for at most `timeout`; returns whether it held.
    @discardableResult
    func waitUntil(timeout: Duration = .seconds(5), _ condition: ([String]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        changed.lock()
        defer { changed.unlock() }
        while !condition(commandNames) {
            guard changed.wait(until: deadline) else { return condition(commandNames) }
        }
        return true
    }
}

extension DriverCommand {
    /// The command's name, for assertions.
    var name: String {
        switch self {
        case .bind: "bind"
        case .connect: "connect"
        case .reconnect: "reconnect"
        case .unbind: "unbind"
        case .disconnect: "disconnect"
        }
    }

    /// The endpoint the command is about.
    var endpoint: DriverEndpoint {
        switch self {
        case .bind(let endpoint), .connect(let endpoint), .reconnect(let endpoint), .unbind(let endpoint),
            .disconnect(let endpoint):
            endpoint
        }
    }
}
