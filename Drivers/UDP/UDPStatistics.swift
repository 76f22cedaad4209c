import Synchronization

/// What a ``UDPDriver`` counted since it started: traffic, retransmissions, best-effort losses and every datagram
/// it dropped, by reason. Shared by the driver's thread (which counts) and readers anywhere.
public final class UDPStatistics: Sendable {
    /// A copy of the counters at one moment.
    public struct Snapshot: Sendable, Hashable {
        /// Datagrams handed to the network (before fault injection).
        public var datagramsSent = 0
        /// Datagrams read from the network.
        public var datagramsReceived = 0
        /// Reliable datagrams sent again (timeouts and fast retransmits).
        public var retransmissions = 0
        /// Datagrams the fault injection dropped.
        public var injectedLosses = 0
        /// Messages delivered to sockets from best-effort streams.
        public var bestEffortDelivered = 0
        /// Best-effort datagrams that never arrived (gaps in their sequence numbers).
        public var bestEffortLost = 0
        /// Best-effort messages dropped because the receiving socket was full.
        public var bestEffortOverflow = 0
        /// Connections opened (both roles).
        public var connectionsOpened = 0
        /// Connections ended because the peer fell silent or stopped acknowledging.
        public var peersExpired = 0
        /// Datagrams dropped, by reason (`"wrong magic"`, `"unknown or stale connection id"`, …).
        public var drops: [String: Int] = [:]

        /// Every dropped datagram.
        public var totalDrops: Int { drops.values.reduce(0, +) }
    }

    private let counters = Mutex(Snapshot())

    /// Makes zeroed counters.
    public init() {}

    /// The counters now.
    public var snapshot: Snapshot { counters.withLock { $0 } }

    func add(_ counter: WritableKeyPath<Snapshot, Int>, _ amount: Int = 1) {
        counters.withLock { $0[keyPath: counter] += amount }
    }

    func drop(_ reason: UDPDrop) {
        counters.withLock { $0.drops[reason.rawValue, default: 0] += 1 }
    }
}
