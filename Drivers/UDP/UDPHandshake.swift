import NIOCore
import VTXCore

/// The body of OPEN and OPEN-OK (`docs/udp-protocol.md` §4.1):
/// `[delivery u8: 0 reliable, 1 best-effort][peer timeout ms u32][routing id length u8][routing id]`.
struct UDPHandshake {
    /// How the sender sends its messages.
    var delivery: UDPDeliveryMode
    /// How long the sender waits before dropping a silent peer: the receiver heartbeats at least three times
    /// as often.
    var peerTimeout: Duration
    /// The routing id the sender's socket announces (REQ, DEALER, ROUTER), or empty.
    var routingId: [UInt8]

    /// Encodes the body.
    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(delivery == .reliable ? UInt8(0) : 1)
        let ms = peerTimeout.components.seconds * 1000 + peerTimeout.components.attoseconds / 1_000_000_000_000_000
        buffer.writeInteger(UInt32(clamping: ms))
        buffer.writeInteger(UInt8(routingId.count))
        buffer.writeBytes(routingId)
    }

    /// Decodes a body, or `nil` when it is malformed.
    static func read(from buffer: inout ByteBuffer) -> UDPHandshake? {
        guard let (mode, timeout, length) = buffer.readMultipleIntegers(as: (UInt8, UInt32, UInt8).self),
            mode <= 1, let id = buffer.readBytes(length: Int(length))
        else { return nil }
        return UDPHandshake(
            delivery: mode == 0 ? .reliable : .bestEffort, peerTimeout: .milliseconds(Int64(timeout)), routingId: id)
    }

    /// The heartbeat interval this peer needs from us.
    var heartbeatLimit: Duration { peerTimeout / 3 }
}
