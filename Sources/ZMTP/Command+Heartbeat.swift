import VTXCore

extension Command {
    /// The longest PING context a PONG echoes; libzmq cuts longer contexts to this.
    public static let maxPingContextSize = 16

    /// The largest PING TTL, in tenths of a second, that libzmq handles: it multiplies the TTL by 100 in a 16-bit
    /// integer (libzmq #4226), so 656 and more wrap around to a short timer and it disconnects early.
    public static let maxPingTTL: UInt16 = 655

    /// A PING whose TTL is `ttl` rounded down to tenths of a second and capped at ``maxPingTTL`` (65.5 s).
    /// Never throws.
    public static func ping(ttl: Duration, context: Frame = Frame()) -> Command {
        let (seconds, attoseconds) = ttl.components
        let cap = Int64(maxPingTTL)
        let tenths = seconds >= cap ? cap : seconds * 10 + attoseconds / 100_000_000_000_000_000
        return .ping(ttl: UInt16(clamping: min(tenths, cap)), context: context)
    }

    /// The PONG answering a PING with `context`: it echoes at most the first 16 bytes, as libzmq does.
    /// Never throws.
    public static func pong(answering context: Frame) -> Command {
        guard context.count > maxPingContextSize else { return .pong(context: context) }
        let echoed = context.withUnsafeBytes { Frame(copying: UnsafeRawBufferPointer(rebasing: $0.prefix(maxPingContextSize))) }
        return .pong(context: echoed)
    }

    /// For a PING, its time-to-live as a duration (the TTL is in tenths of a second); `nil` for other commands
    /// and for a TTL of 0, which means none.
    public var pingTimeToLive: Duration? {
        guard case .ping(let ttl, _) = self, ttl > 0 else { return nil }
        return .milliseconds(Int(ttl) * 100)
    }
}
