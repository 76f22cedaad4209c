import CoreMetrics

/// The manager's metrics settings: the backend, and one ``DriverMetrics`` per scheme, made on first use.
struct MetricsSettings {
    /// The backend; `nil` when metrics are off.
    var factory: (any MetricsFactory)?
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
    /// sockets and endpoints made afterwards use the new value. Metrics off cost nothing but the plain counts
    /// behind ``Socket/statistics``; on, each socket publishes its counts when it is about to wait, every few
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

    /// The counters of a socket about to be made, or `nil` when metrics are off.
    func makeSocketMetrics(socket: String, type: SocketType) -> SocketMetrics? {
        metricsSettings.withLock { $0.factory }.map { SocketMetrics(socket: socket, type: type, factory: $0) }
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
