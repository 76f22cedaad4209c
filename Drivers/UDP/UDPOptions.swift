import VTXCore

/// How a connection's outgoing messages travel (`docs/udp-protocol.md` §6).
public enum UDPDeliveryMode: String, Sendable, Hashable {
    /// Ordered, acknowledged and retransmitted: nothing lost, duplicated or reordered while the peer lives.
    case reliable
    /// Sent once, in order of sending; a receiver drops what comes late or twice and counts what never came.
    case bestEffort = "best-effort"
}

/// Fault injection for experiments and tests, applied to every datagram an endpoint sends.
public struct UDPFaults: Sendable, Hashable {
    /// Percentage of datagrams dropped (0–100).
    public var loss: Double = 0
    /// Percentage of datagrams sent twice (0–100).
    public var duplication: Double = 0
    /// Percentage of datagrams held back and sent after the next one (0–100).
    public var reordering: Double = 0
    /// Delay added to every datagram.
    public var delay: Duration = .zero

    /// No faults.
    public init() {}

    /// Whether any fault is configured.
    public var isActive: Bool { loss > 0 || duplication > 0 || reordering > 0 || delay > .zero }
}

/// The options of one `udp://` endpoint, written after the address as a query:
/// `udp://127.0.0.1:5555?heartbeat=500ms&timeout=3s&loss=20`. Every option has a default (see ``init()``).
public struct UDPOptions: Sendable, Hashable {
    /// `interface=`: the interface for broadcast (a name such as `lo`, or an address); `nil` reads `VTX_INTERFACE`.
    public var interface: String?
    /// `heartbeat=`: how long a connection may be silent before it sends a HEARTBEAT (default 1 s).
    public var heartbeatInterval: Duration = .seconds(1)
    /// `timeout=`: how long a peer may be silent before it is dropped (default 5 s).
    public var peerTimeout: Duration = .seconds(5)
    /// `retransmits=`: how many times one datagram is sent again before the peer is dropped (default 20).
    public var maxRetransmits: Int = 20
    /// `min-rto=`: the smallest retransmission timeout (default 10 ms).
    public var minimumRetransmitTimeout: Duration = .milliseconds(10)
    /// `max-rto=`: the largest retransmission timeout, after back-off (default 1 s).
    public var maximumRetransmitTimeout: Duration = .seconds(1)
    /// `payload=`: the largest payload of one datagram, in bytes (default 1,208: a 1,232-byte datagram fits
    /// IPv6's minimum 1,280-byte path with its headers; 64 to 65,000).
    public var maxPayload: Int = 1208
    /// `max-message=`: the largest message accepted from a peer, in bytes (default and maximum 64 MiB).
    public var maxMessageSize: Int = UDPOptions.messageSizeLimit
    /// `window=`: the receive and send window, in datagrams (default 256, 8 to 4,096).
    public var window: Int = 256
    /// `delivery=`: `reliable` or `best-effort`; `nil` picks best-effort for PUB and XPUB, reliable otherwise.
    public var delivery: UDPDeliveryMode?
    /// `loss=`, `duplicate=`, `reorder=` (percentages) and `delay=` (a duration): fault injection.
    public var faults = UDPFaults()

    /// The largest message the driver carries (64 MiB).
    public static let messageSizeLimit = 64 << 20

    /// The defaults.
    public init() {}

    /// The delivery mode for a socket of `type`.
    public func delivery(for type: SocketType) -> UDPDeliveryMode {
        delivery ?? ((type == .pub || type == .xpub) ? .bestEffort : .reliable)
    }

    /// Parses a query (`name=value&…`).
    ///
    /// - Throws: ``VTXError/Code/invalidEndpoint`` naming an unknown option or a value out of range.
    init(query: Substring, endpoint: String) throws(VTXError) {
        self.init()
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw VTXError(.invalidEndpoint, "option '\(item)' in '\(endpoint)' has no value (write name=value)")
            }
            try set(String(parts[0]), String(parts[1]), endpoint: endpoint)
        }
    }

    private mutating func set(_ name: String, _ value: String, endpoint: String) throws(VTXError) {
        func bad(_ why: String) -> VTXError {
            VTXError(.invalidEndpoint, "option \(name)=\(value) in '\(endpoint)': \(why)")
        }
        func duration() throws(VTXError) -> Duration {
            guard let d = UDPOptions.parseDuration(value), d > .zero else {
                throw bad("expected a positive duration such as 500ms or 2s")
            }
            return d
        }
        func integer(_ range: ClosedRange<Int>) throws(VTXError) -> Int {
            guard let n = Int(value), range.contains(n) else { throw bad("expected a whole number in \(range)") }
            return n
        }
        func percent() throws(VTXError) -> Double {
            guard let p = Double(value), (0...100).contains(p) else { throw bad("expected a percentage, 0 to 100") }
            return p
        }
        switch name {
        case "interface": interface = value
        case "heartbeat": heartbeatInterval = try duration()
        case "timeout": peerTimeout = try duration()
        case "retransmits": maxRetransmits = try integer(1...1000)
        case "min-rto": minimumRetransmitTimeout = try duration()
        case "max-rto": maximumRetransmitTimeout = try duration()
        case "payload": maxPayload = try integer(64...65_000)
        case "max-message": maxMessageSize = try integer(1...UDPOptions.messageSizeLimit)
        case "window": window = try integer(8...4096)
        case "delivery":
            guard let mode = UDPDeliveryMode(rawValue: value) else { throw bad("expected reliable or best-effort") }
            delivery = mode
        case "loss": faults.loss = try percent()
        case "duplicate": faults.duplication = try percent()
        case "reorder": faults.reordering = try percent()
        case "delay":
            guard let d = UDPOptions.parseDuration(value), d >= .zero else { throw bad("expected a duration") }
            faults.delay = d
        default:
            throw VTXError(.invalidEndpoint, "unknown option '\(name)' in '\(endpoint)'")
        }
    }

    /// Parses `250ms`, `2s`, `1.5s` or a bare number of milliseconds.
    static func parseDuration(_ text: String) -> Duration? {
        if text.hasSuffix("ms"), let n = Double(text.dropLast(2)) { return .microseconds(Int64(n * 1000)) }
        if text.hasSuffix("s"), let n = Double(text.dropLast()) { return .microseconds(Int64(n * 1_000_000)) }
        if let n = Double(text) { return .microseconds(Int64(n * 1000)) }
        return nil
    }
}
