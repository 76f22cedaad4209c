import NIOCore
import VTXCore

/// A ZMTP command: what travels in a frame with the COMMAND flag.
///
/// A command body is `u8 name-length | name | data` (RFC 23 §"Commands"). The NULL handshake uses ``ready(_:)``
/// and ``error(reason:)``; ZMTP 3.1 adds ``subscribe(topic:)``, ``cancel(topic:)``, ``ping(ttl:context:)`` and
/// ``pong(context:)``. Any other command (the PLAIN and CURVE handshake commands, future ones) is ``other(name:data:)``.
/// ``init(parsing:)`` reads a body and ``write(to:)`` writes a whole frame.
public enum Command: Sendable, Hashable {
    /// `READY`: ends the handshake and carries the sender's metadata (`Socket-Type`, `Identity`, …).
    case ready(Metadata)
    /// `ERROR`: the sender refuses the handshake, with a reason of at most 255 bytes (libzmq: a ZAP status code).
    case error(reason: String)
    /// `SUBSCRIBE` (ZMTP 3.1): the sender subscribes to messages starting with `topic`.
    case subscribe(topic: Frame)
    /// `CANCEL` (ZMTP 3.1): the sender cancels a subscription to `topic`.
    case cancel(topic: Frame)
    /// `PING` (ZMTP 3.1): a heartbeat. `ttl` is in tenths of a second (0 = none); `context` (at most 16 bytes)
    /// must be echoed in the PONG.
    case ping(ttl: UInt16, context: Frame)
    /// `PONG` (ZMTP 3.1): the answer to a PING, echoing its context.
    case pong(context: Frame)
    /// Any other command, with its name and the bytes after the name.
    case other(name: String, data: Frame)
    /// ERROR as libzmq 4.3.0–4.3.5's PLAIN server writes it, `^RROR` (a C hex escape in libzmq swallowed the
    /// `E`): the only spelling a libzmq PLAIN client reports as `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH` with the status
    /// code. Sent only by VTX's PLAIN server; received, either spelling parses as ``error(reason:)``.
    case libzmqPlainError(reason: String)

    /// The command's name as it appears on the wire, such as `"READY"`.
    public var name: String {
        switch self {
        case .ready: CommandName.ready
        case .error: CommandName.error
        case .subscribe: CommandName.subscribe
        case .cancel: CommandName.cancel
        case .ping: CommandName.ping
        case .pong: CommandName.pong
        case .other(let name, _): name
        case .libzmqPlainError: CommandName.error
        }
    }

    /// The size of the command body (name-length byte, name and data), which is the frame's size.
    public var bodySize: Int {
        let nameSize = 1 + name.utf8.count
        return switch self {
        case .libzmqPlainError(let reason): Command.libzmqPlainErrorPrefix.count + 1 + min(reason.utf8.count, 255)
        case .ready(let metadata): nameSize + metadata.encodedSize
        case .error(let reason): nameSize + 1 + min(reason.utf8.count, 255)
        case .subscribe(let topic), .cancel(let topic): nameSize + topic.count
        case .ping(_, let context): nameSize + 2 + context.count
        case .pong(let context): nameSize + context.count
        case .other(_, let data): nameSize + data.count
        }
    }

    /// Appends the whole command frame (header and body) to `buffer`. Never throws.
    ///
    /// An ERROR reason longer than 255 bytes is cut to 255 bytes.
    public func write(to buffer: inout ByteBuffer) {
        let size = bodySize
        buffer.reserveCapacity(minimumWritableBytes: FrameEncoder.headerSize(forBodySize: size) + size)
        FrameEncoder.writeHeader(flags: .command, bodySize: size, to: &buffer)
        writeBody(to: &buffer)
    }

    /// Appends the command body (name-length byte, name, data) to `buffer`, without a frame header. Never throws.
    ///
    /// Mechanisms that wrap commands (CURVE's MESSAGE boxes) use this.
    public func writeBody(to buffer: inout ByteBuffer) {
        if case .libzmqPlainError(let reason) = self {
            buffer.writeBytes(Command.libzmqPlainErrorPrefix)
            let bytes = reason.utf8.prefix(255)
            buffer.writeInteger(UInt8(bytes.count))
            buffer.writeBytes(bytes)
            return
        }
        let name = self.name
        buffer.writeInteger(UInt8(truncatingIfNeeded: name.utf8.count))
        buffer.writeString(name)
        switch self {
        case .ready(let metadata):
            metadata.write(to: &buffer)
        case .error(let reason):
            let bytes = reason.utf8.prefix(255)
            buffer.writeInteger(UInt8(bytes.count))
            buffer.writeBytes(bytes)
        case .subscribe(let topic), .cancel(let topic), .pong(let topic), .other(_, let topic):
            topic.withUnsafeBytes { _ = buffer.writeBytes($0) }
        case .ping(let ttl, let context):
            buffer.writeInteger(ttl)
            context.withUnsafeBytes { _ = buffer.writeBytes($0) }
        case .libzmqPlainError:
            break
        }
    }
}
