import CoreMetrics

/// One driver's swift-metrics counters (dimension `driver`: its scheme), fed from the events its endpoints report
/// (``DriverEndpoint/report(_:)``). Events are rare next to messages, so each one goes straight to its counter,
/// from the driver's thread (swift-metrics handlers are thread-safe).
///
/// Metrics: `vtx.driver.connections` (connections made or accepted), `vtx.driver.disconnections`,
/// `vtx.driver.handshake.failures`, `vtx.driver.reconnects` (attempts the reconnect loop scheduled),
/// `vtx.driver.connect.failures` (attempts that failed) and `vtx.driver.bind.failures`.
final class DriverMetrics: Sendable {
    private let connections: Counter
    private let disconnections: Counter
    private let handshakeFailures: Counter
    private let reconnects: Counter
    private let connectFailures: Counter
    private let bindFailures: Counter

    init(scheme: String, factory: any MetricsFactory) {
        let dimensions = [("driver", scheme)]
        func counter(_ label: String) -> Counter {
            Counter(label: label, dimensions: dimensions, factory: factory)
        }
        connections = counter("vtx.driver.connections")
        disconnections = counter("vtx.driver.disconnections")
        handshakeFailures = counter("vtx.driver.handshake.failures")
        reconnects = counter("vtx.driver.reconnects")
        connectFailures = counter("vtx.driver.connect.failures")
        bindFailures = counter("vtx.driver.bind.failures")
    }

    /// Counts one event.
    func record(_ event: DriverEvent) {
        switch event {
        case .connected, .accepted: connections.increment()
        case .disconnected: disconnections.increment()
        case .handshakeFailed: handshakeFailures.increment()
        case .connectRetried: reconnects.increment()
        case .connectAttemptFailed, .connectFailed: connectFailures.increment()
        case .bindFailed: bindFailures.increment()
        default: break
        }
    }
}
