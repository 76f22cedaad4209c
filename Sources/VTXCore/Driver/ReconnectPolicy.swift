/// When to try again after a connection attempt fails or a connection drops, decided by the core for every
/// driver, with libzmq's rules (`ZMQ_RECONNECT_IVL`, `ZMQ_RECONNECT_IVL_MAX`).
public struct ReconnectPolicy: Sendable, Hashable {
    /// The first interval; `nil` means never reconnect (libzmq's `-1`).
    public var interval: Duration?
    /// With a non-zero maximum, the interval doubles each attempt up to this; with zero, each wait is
    /// `interval + random(0..<interval)`.
    public var maximumInterval: Duration

    /// Makes a policy.
    public init(interval: Duration? = .milliseconds(100), maximumInterval: Duration = .zero) {
        self.interval = interval
        self.maximumInterval = maximumInterval
    }

    /// How long to wait before attempt number `attempt` (1 for the first retry), or `nil` for never.
    public func delay(beforeAttempt attempt: Int) -> Duration? {
        guard let interval else { return nil }
        if maximumInterval > .zero {
            var delay = interval
            for _ in 1..<max(1, attempt) {
                delay = delay * 2
                if delay >= maximumInterval { return maximumInterval }
            }
            return min(delay, maximumInterval)
        }
        let ms = interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000
        guard ms > 0 else { return interval }
        return interval + .milliseconds(Int64.random(in: 0..<ms))
    }
}
