extension Socket {
    /// What the socket has done so far: messages and bytes in and out, drops, connections (see
    /// ``SocketStatistics``). Read it on the socket's thread, like every other socket call; with a metrics
    /// backend (``VTX/metricsFactory``) reading it also publishes the counts.
    public var statistics: SocketStatistics {
        if !isClosed { processCommands() }
        var current = counters
        current.queuedOutbound = queuedOutbound
        if var metrics {
            metrics.publish(current)
            self.metrics = metrics
        }
        return current
    }

    /// Messages written to the socket's pipes that their readers have not taken yet.
    private var queuedOutbound: Int {
        var queued = 0
        for pipe in pipes.values { queued &+= pipe.queuedOutbound }
        return queued
    }

    /// Publishes the counts to swift-metrics (when metrics are on): before the socket waits, and when it closes.
    @inline(__always)
    func publishMetrics() {
        guard metrics != nil else { return }
        publishMetricsSlow()
    }

    /// Publishes the counts when the socket has handled enough messages since the last time (while it is busy).
    @inline(__always)
    func publishMetricsIfDue() {
        guard let metrics, metrics.isDue(counters) else { return }
        publishMetricsSlow()
    }

    @inline(never)
    private func publishMetricsSlow() {
        guard var metrics else { return }
        var current = counters
        current.queuedOutbound = queuedOutbound
        metrics.publish(current)
        self.metrics = metrics
    }
}
