import NIOCore
import VTXCore

/// The datagram header of the VTX UDP protocol, version 1 (`docs/udp-protocol.md` §3): 24 bytes in network order.
///
/// ```
/// 0  'V' 'X'            magic
/// 2  version            1
/// 3  command            UDPCommand
/// 4  flags              UDPFlags
/// 5  socket type        the sender's (libzmq's ZMQ_* numbers)
/// 6  window  u16        receive window the sender has free, in datagrams
/// 8  source id  u32     the sender's connection id
/// 12 target id  u32     the receiver's connection id (0 in OPEN)
/// 16 sequence   u32     DATA: the datagram's number in its stream
/// 20 ack        u32     the next reliable sequence number the sender expects (valid with the ACK flag)
/// ```
struct UDPHeader: Equatable {
    /// `V`, `X`.
    static let magic: (UInt8, UInt8) = (0x56, 0x58)
    /// The protocol version this driver speaks.
    static let version: UInt8 = 1
    /// Bytes in a header.
    static let size = 24

    var command: UDPCommand
    var flags: UDPFlags = []
    var socketType: UInt8 = 0
    var window: UInt16 = 0
    var sourceId: UInt32 = 0
    var targetId: UInt32 = 0
    var sequence: UInt32 = 0
    var ack: UInt32 = 0

    /// Writes the header into `buffer`.
    func write(to buffer: inout ByteBuffer) {
        buffer.writeMultipleIntegers(
            UDPHeader.magic.0, UDPHeader.magic.1, UDPHeader.version, command.rawValue, flags.rawValue, socketType
        )
        buffer.writeMultipleIntegers(window, sourceId, targetId, sequence, ack)
    }

    /// Reads a header from the front of `buffer`, or says why the datagram is not one of ours.
    static func read(from buffer: inout ByteBuffer) -> Result<UDPHeader, UDPDrop> {
        guard buffer.readableBytes >= size else { return .failure(.truncated) }
        guard let (m0, m1, version, command, flags, type) = buffer.readMultipleIntegers(
            as: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8).self)
        else { return .failure(.truncated) }
        guard m0 == magic.0, m1 == magic.1 else { return .failure(.badMagic) }
        guard version == UDPHeader.version else { return .failure(.badVersion) }
        guard let command = UDPCommand(rawValue: command) else { return .failure(.unknownCommand) }
        guard let (window, source, target, sequence, ack) = buffer.readMultipleIntegers(
            as: (UInt16, UInt32, UInt32, UInt32, UInt32).self)
        else { return .failure(.truncated) }
        return .success(UDPHeader(
            command: command, flags: UDPFlags(rawValue: flags), socketType: type, window: window,
            sourceId: source, targetId: target, sequence: sequence, ack: ack))
    }
}

/// The commands of the protocol (`docs/udp-protocol.md` §4).
enum UDPCommand: UInt8 {
    /// Asks to open a connection: socket type, routing id, delivery mode.
    case open = 1
    /// Accepts an OPEN; sent from the address that carries the connection.
    case openOK = 2
    /// Refuses an OPEN, with a reason in words.
    case reject = 3
    /// A chunk of the sender's message stream.
    case data = 4
    /// Acknowledges reliable DATA: cumulative `ack` plus a selective bitmap.
    case ack = 5
    /// Keeps an idle connection alive; with ``UDPFlags/probe`` asks for an ACK.
    case heartbeat = 6
    /// Ends the connection.
    case close = 7
}

/// Why a REJECT refuses an OPEN: the first byte of its body.
enum UDPRejection: UInt8 {
    /// The two socket types cannot talk (ZMTP's table).
    case incompatibleSocketType = 1
    /// Anything else (the socket is closing, an unknown socket type); the text says what.
    case other = 2
}

/// Header flags.
struct UDPFlags: OptionSet {
    let rawValue: UInt8
    /// DATA: the payload starts at a message boundary.
    static let boundary = UDPFlags(rawValue: 1 << 0)
    /// DATA: best-effort stream (not acknowledged, not retransmitted).
    static let bestEffort = UDPFlags(rawValue: 1 << 1)
    /// The `ack` field is valid.
    static let ack = UDPFlags(rawValue: 1 << 2)
    /// HEARTBEAT: the receiver should answer with an ACK at once (a window probe).
    static let probe = UDPFlags(rawValue: 1 << 3)
}

/// Why a datagram was dropped; each has a counter (``UDPStatistics``).
enum UDPDrop: String, CaseIterable, Error {
    case truncated = "truncated datagram"
    case badMagic = "wrong magic"
    case badVersion = "unsupported version"
    case unknownCommand = "unknown command"
    case malformedBody = "malformed body"
    case unknownConnection = "unknown or stale connection id"
    case wrongSender = "connection id from the wrong address"
    case unexpected = "command not expected here"
    case outOfWindow = "sequence outside the receive window"
    case duplicate = "duplicate datagram"
    case oversized = "datagram larger than the maximum payload"
    case bogusAck = "acknowledgement of data never sent"
}

extension SocketType {
    /// The number that names the type on the wire (libzmq's `ZMQ_*` constants).
    var wireNumber: UInt8 {
        switch self {
        case .pair: 0
        case .pub: 1
        case .sub: 2
        case .req: 3
        case .rep: 4
        case .dealer: 5
        case .router: 6
        case .pull: 7
        case .push: 8
        case .xpub: 9
        case .xsub: 10
        }
    }

    /// The type a wire number names, or `nil`.
    init?(wireNumber: UInt8) {
        let all: [SocketType] = [.pair, .pub, .sub, .req, .rep, .dealer, .router, .pull, .push, .xpub, .xsub]
        guard Int(wireNumber) < all.count else { return nil }
        self = all[Int(wireNumber)]
    }
}

/// Sequence-number arithmetic modulo 2^32 (RFC 1982 style).
enum Sequence {
    /// Whether `a` comes before `b`.
    static func less(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) < 0 }
    /// `b - a` as a signed distance.
    static func distance(from a: UInt32, to b: UInt32) -> Int { Int(Int32(bitPattern: b &- a)) }
}
