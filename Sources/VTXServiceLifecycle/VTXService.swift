import Foundation
import ServiceLifecycle
import VTXCore

/// A `VTX` manager as a swift-service-lifecycle `Service`: put it in a `ServiceGroup` and the group shuts the
/// manager down gracefully (on SIGTERM, say), honouring each socket's linger.
///
/// ``run()`` suspends until graceful shutdown is triggered (or its task is cancelled), then calls
/// `VTX.shutdown()`: every blocked socket call returns `VTXError.Code.terminated`, and each driver sends what
/// its sockets queued, within their `Socket.linger`, before its thread stops. The shutdown blocks, so it runs on
/// a thread of its own, never on Swift's cooperative pool.
///
/// A `ServiceGroup` shuts its services down in reverse order, each after the one after it has returned, so list
/// the manager **before** the services that use its sockets: they finish (and close their sockets) first.
///
/// ```swift
/// let manager = VTX()
/// let group = ServiceGroup(
///     configuration: .init(
///         services: [.init(service: VTXService(manager)), .init(service: MyServer(manager: manager))],
///         gracefulShutdownSignals: [.sigterm, .sigint],
///         logger: logger
///     )
/// )
/// try await group.run()
/// ```
public struct VTXService: Service, CustomStringConvertible {
    /// The manager this service shuts down.
    public let manager: VTX

    /// Wraps a manager; the service owns its shutdown from then on.
    public init(_ manager: VTX) {
        self.manager = manager
    }

    /// Names the service in the group's log lines.
    public var description: String { "VTXService" }

    /// Suspends until graceful shutdown is triggered or the task is cancelled, then shuts the manager down
    /// (honouring linger) and returns.
    ///
    /// - Throws: never; the signature is the `Service` protocol's.
    public func run() async throws {
        // Cancellation ends the wait as graceful shutdown does: either way the manager stops.
        try? await gracefulShutdown()
        await shutDownManager()
    }

    /// Runs `VTX.shutdown()`, which blocks while drivers linger, on a thread of its own.
    private func shutDownManager() async {
        let manager = manager
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                manager.shutdown()
                done.resume()
            }
            thread.name = "vtx.shutdown"
            thread.start()
        }
    }
}
