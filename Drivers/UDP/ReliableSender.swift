import DequeModule
import NIOCore

/// The sending half of a reliable stream (`docs/udp-protocol.md` §6): numbers payloads, keeps each until it is
/// acknowledged, estimates the round-trip time, retransmits with back-off, and limits what is in flight by the
/// receiver's window and a congestion window that halves on loss.
struct ReliableSender {
    struct Entry {
        var payload: ByteBuffer
        var boundary: Bool
        var sentAt: NIODeadline
        var retries = 0
        var sacked = false
    }

    /// The oldest unacknowledged sequence number (the entries start here).
    private(set) var base: UInt32
    private(set) var entries: Deque<Entry> = []
    /// The window the receiver last advertised.
    private var peerWindow: Int
    private let maxWindow: Int
    private(set) var congestionWindow: Double = 16
    private var slowStartThreshold: Double
    private var lastReduction = NIODeadline.uptimeNanoseconds(0)
    private(set) var smoothedRTT: TimeAmount?
    private var rttVariance: TimeAmount = .zero
    let minimumTimeout: TimeAmount
    let maximumTimeout: TimeAmount

    init(initialSequence: UInt32, window: Int, minimumTimeout: TimeAmount, maximumTimeout: TimeAmount) {
        base = initialSequence
        peerWindow = window
        maxWindow = window
        slowStartThreshold = Double(window)
        self.minimumTimeout = minimumTimeout
        self.maximumTimeout = maximumTimeout
    }

    /// The next sequence number to assign.
    var nextSequence: UInt32 { base &+ UInt32(entries.count) }
    /// Whether nothing is waiting for an acknowledgement.
    var isIdle: Bool { entries.isEmpty }
    /// Whether the windows allow one more payload in flight.
    var canSend: Bool { entries.count < min(Int(congestionWindow), peerWindow) }
    /// Whether the receiver's window is what stops us (so a probe is worth sending).
    var isWindowBlocked: Bool { entries.count >= peerWindow }

    /// The retransmission timeout: srtt + 4 × rttvar, within the bounds (RFC 6298).
    var timeout: TimeAmount {
        guard let srtt = smoothedRTT else { return max(minimumTimeout, .milliseconds(100)) }
        return min(max(srtt + rttVariance * 4, minimumTimeout), maximumTimeout)
    }

    /// Records a payload sent for the first time; returns its sequence number.
    mutating func record(_ payload: ByteBuffer, boundary: Bool, at now: NIODeadline) -> UInt32 {
        let sequence = nextSequence
        entries.append(Entry(payload: payload, boundary: boundary, sentAt: now))
        return sequence
    }

    /// What an acknowledgement did.
    struct AckResult {
        /// Payloads newly acknowledged, cumulatively or selectively.
        var acknowledged = 0
        /// Sequence numbers to send again at once (holes below selectively acknowledged data).
        var fastRetransmit: [UInt32] = []
    }

    /// Applies an acknowledgement: everything before `cumulative`, and each set bit `i` of `bitmap` for
    /// `cumulative + i`; `window` is the receiver's free window from `cumulative` on.
    ///
    /// - Returns: `nil` when the acknowledgement covers data never sent (it is then ignored).
    mutating func acknowledge(
        cumulative: UInt32, bitmap: ByteBuffer?, window: Int, at now: NIODeadline
    ) -> AckResult? {
        let advance = Sequence.distance(from: base, to: cumulative)
        guard advance <= entries.count else { return nil }
        var result = AckResult()
        guard advance >= 0 else { return result }  // an old acknowledgement, overtaken by a newer one
        if advance > 0 {
            for _ in 0..<advance {
                let entry = entries.removeFirst()
                if entry.retries == 0 && !entry.sacked { sample(now - entry.sentAt) }
                if !entry.sacked { result.acknowledged += 1 }
            }
            base = cumulative
        }
        peerWindow = max(0, min(window, maxWindow))
        var highestSacked = -1
        if let bitmap, advance >= 0 {
            bitmap.withUnsafeReadableBytes { bits in
                for offset in 0..<min(bits.count * 8, entries.count) where bits[offset >> 3] & (1 << (offset & 7)) != 0 {
                    if !entries[offset].sacked {
                        entries[offset].sacked = true
                        result.acknowledged += 1
                        if entries[offset].retries == 0 { sample(now - entries[offset].sentAt) }
                    }
                    highestSacked = offset
                }
            }
        }
        // A hole below data the receiver holds was most likely lost: send it again once it has had a round trip.
        let guardTime = smoothedRTT ?? minimumTimeout
        if highestSacked > 0 {
            for offset in 0..<highestSacked where !entries[offset].sacked && now - entries[offset].sentAt > guardTime {
                result.fastRetransmit.append(base &+ UInt32(offset))
            }
        }
        if result.acknowledged > 0 { grow(by: result.acknowledged) }
        if !result.fastRetransmit.isEmpty { reduce(at: now) }
        return result
    }

    private mutating func sample(_ rtt: TimeAmount) {
        guard let srtt = smoothedRTT else {
            smoothedRTT = rtt
            rttVariance = .nanoseconds(rtt.nanoseconds / 2)
            return
        }
        let error = abs(srtt.nanoseconds - rtt.nanoseconds)
        rttVariance = .nanoseconds((rttVariance.nanoseconds * 3 + error) / 4)
        smoothedRTT = .nanoseconds((srtt.nanoseconds * 7 + rtt.nanoseconds) / 8)
    }

    private mutating func grow(by count: Int) {
        for _ in 0..<count {
            congestionWindow += congestionWindow < slowStartThreshold ? 1 : 1 / congestionWindow
        }
        congestionWindow = min(congestionWindow, Double(maxWindow))
    }

    /// Halves the congestion window, at most once per round trip.
    private mutating func reduce(at now: NIODeadline) {
        guard now - lastReduction > (smoothedRTT ?? minimumTimeout) else { return }
        lastReduction = now
        slowStartThreshold = max(congestionWindow / 2, 4)
        congestionWindow = slowStartThreshold
    }

    /// When the entry at `offset` is due again: its timeout doubled per retry, up to the maximum.
    func dueTime(ofOffset offset: Int) -> NIODeadline {
        let entry = entries[offset]
        let backoff = min(.nanoseconds(timeout.nanoseconds << min(entry.retries, 10)), maximumTimeout)
        return entry.sentAt + backoff
    }

    /// The entries to send again now, by offset; marks them sent and counts the retry. Halves the congestion
    /// window when any timed out.
    mutating func takeDue(at now: NIODeadline) -> [Int] {
        var due: [Int] = []
        for offset in entries.indices where !entries[offset].sacked && dueTime(ofOffset: offset) <= now {
            due.append(offset)
        }
        if !due.isEmpty { reduce(at: now) }
        for offset in due { markResent(offset: offset, at: now) }
        return due
    }

    /// Marks the entry at `offset` as sent again now.
    mutating func markResent(offset: Int, at now: NIODeadline) {
        entries[offset].retries += 1
        entries[offset].sentAt = now
    }

    /// The most retries of any unacknowledged entry.
    var maxRetries: Int { entries.lazy.filter { !$0.sacked }.map(\.retries).max() ?? 0 }
}
