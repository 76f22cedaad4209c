import CoreMetrics

/// The manager's metrics settings: the backend, and one ``DriverMetrics`` per scheme, made on first use.
struct MetricsSettings {
    /// The backend; `nil` when metrics are off.
    var factory: (any MetricsFactory)?
    /// Whether sockets count messages and bytes without a backend (``VTX/collectsStatistics``).
    var collectsStatistics = false
    var drivers: [String: DriverMetrics] = [:]

    /// Metrics are on when a backend other than swift-metrics' no-op one was bootstrapped.
    static func fromMetricsSystem() -> MetricsSettings {
        let factory = MetricsSystem.factory
        return MetricsSettings(factory: factory is NOOPMetricsHandler ? nil : factory)
    }
}

extension VTX {
    /// The swift-metrics backend that the manager's sockets and drivers report to, or `nil` when metrics are off.
    ///
    /// By default it is the backend given to `MetricsSystem.bootstrap` before the manager was made, and `nil`
    /// (off) when none was. Set it to report to another backend (a test's, say) or to `nil` to turn metrics off;
    /// sockets and endpoints made afterwards use the new value. Metrics off cost one predictable branch per
    /// message; on, each socket counts in plain integers on its own thread and publishes its counts when it is about to wait, every few
    /// hundred messages while busy, and when it closes. The metric names are `vtx.socket.*` (dimensions
    /// `socket`, `type`) and `vtx.driver.*` (dimension `driver`); `docs/METRICS.md` lists them.
    public var metricsFactory: (any MetricsFactory)? {
        get { metricsSettings.withLock { $0.factory } }
        set {
            metricsSettings.withLock {
                $0.factory = newValue
                $0.drivers = [:]
            }
        }
    }

    /// Whether sockets made from now on count the messages and bytes they send and receive (for
    /// ``Socket/statistics``) even when metrics are off; `false` by default. With metrics on they always do.
    /// Connection events are counted either way. Counting is two additions per message on the socket's thread.
    public var collectsStatistics: Bool {
        get { metricsSettings.withLock { $0.collectsStatistics } }
        set { metricsSettings.withLock { $0.collectsStatistics = newValue } }
    }

    /// The counters of a socket about to be made (`nil` when metrics are off), and whether it counts messages.
    func makeSocketMetrics(socket: String, type: SocketType) -> (metrics: SocketMetrics?, countsMessages: Bool) {
        let (factory, collects) = metricsSettings.withLock { ($0.factory, $0.collectsStatistics) }
        let metrics = factory.map { SocketMetrics(socket: socket, type: type, factory: $0) }
        return (metrics, collects || metrics != nil)
    }

    /// The counters of the driver for `scheme`, or `nil` when metrics are off.
    func driverMetrics(for scheme: String) -> DriverMetrics? {
        metricsSettings.withLock { settings in
            guard let factory = settings.factory else { return nil }
            if let metrics = settings.drivers[scheme] { return metrics }
            let metrics = DriverMetrics(scheme: scheme, factory: factory)
            settings.drivers[scheme] = metrics
            return metrics
        }
    }
}
