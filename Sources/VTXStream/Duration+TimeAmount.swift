import NIOCore

extension Duration {
    /// The duration as NIO's `TimeAmount` (nanosecond precision), saturating: a negative duration is zero, and one
    /// beyond about 73 years (a quarter of `Int64`'s nanoseconds) is that much, so that a huge linger, timeout,
    /// reconnect or heartbeat interval schedules a timer that never fires instead of trapping the event loop.
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return .zero }
        let limit = Int64.max / 4
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow, scaled < limit else { return .nanoseconds(limit) }
        return .nanoseconds(scaled + attoseconds / 1_000_000_000)
    }
}
