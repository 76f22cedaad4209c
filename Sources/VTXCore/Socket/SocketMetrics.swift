import CoreMetrics

/// A socket's swift-metrics counters, fed from its ``SocketStatistics``: the socket counts in plain integers and
/// publishes the differences here when it is about to wait, every ``publishingInterval`` messages while it is
/// busy, and when it closes. Only the socket's thread uses it.
///
/// Metrics (dimensions `socket`, such as `PUSH#3`, and `type`, such as `PUSH`):
/// - `vtx.socket.messages` and `vtx.socket.bytes` (counters, with `direction` `in` or `out`),
/// - `vtx.socket.dropped` (counter): messages dropped at the high-water mark,
/// - `vtx.socket.queue.depth` (meter): messages queued in the socket's pipes, not yet taken by their readers.
struct SocketMetrics {
    /// How many messages a busy socket handles between two publications.
    static let publishingInterval = 256

    private let messagesIn: Counter
    private let messagesOut: Counter
    private let bytesIn: Counter
    private let bytesOut: Counter
    private let dropped: Counter
    private let queueDepth: Meter
    private var published = SocketStatistics()

    init(socket: String, type: SocketType, factory: any MetricsFactory) {
        let base = [("socket", socket), ("type", type.name)]
        messagesIn = Counter(label: "vtx.socket.messages", dimensions: base + [("direction", "in")], factory: factory)
        messagesOut = Counter(label: "vtx.socket.messages", dimensions: base + [("direction", "out")], factory: factory)
        bytesIn = Counter(label: "vtx.socket.bytes", dimensions: base + [("direction", "in")], factory: factory)
        bytesOut = Counter(label: "vtx.socket.bytes", dimensions: base + [("direction", "out")], factory: factory)
        dropped = Counter(label: "vtx.socket.dropped", dimensions: base, factory: factory)
        queueDepth = Meter(label: "vtx.socket.queue.depth", dimensions: base, factory: factory)
    }

    /// Whether enough happened since the last publication to publish while busy.
    func isDue(_ current: SocketStatistics) -> Bool {
        let handled = current.messagesSent &+ current.messagesReceived
        return handled &- (published.messagesSent &+ published.messagesReceived) >= Self.publishingInterval
    }

    /// Adds what was counted since the last publication to the counters and sets the queue depth.
    mutating func publish(_ current: SocketStatistics) {
        Self.add(current.messagesReceived &- published.messagesReceived, to: messagesIn)
        Self.add(current.messagesSent &- published.messagesSent, to: messagesOut)
        Self.add(current.bytesReceived &- published.bytesReceived, to: bytesIn)
        Self.add(current.bytesSent &- published.bytesSent, to: bytesOut)
        Self.add(current.messagesDropped &- published.messagesDropped, to: dropped)
        queueDepth.set(current.queuedOutbound)
        published = current
    }

    private static func add(_ delta: Int, to counter: Counter) {
        if delta > 0 { counter.increment(by: delta) }
    }
}
