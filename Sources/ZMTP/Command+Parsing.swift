import NIOCore
import VTXCore

extension Command {
    /// How libzmq 4.3.0–4.3.5's PLAIN server spells the start of ERROR: `5E 'RROR'` instead of `05 'ERROR'`.
    static let libzmqPlainErrorPrefix: [UInt8] = [0x5E, 0x52, 0x52, 0x4F, 0x52]

    /// Parses a command body: the readable bytes of a frame that had the COMMAND flag.
    ///
    /// Names are matched exactly (byte for byte), as libzmq does. Bytes after an ERROR reason are ignored, as
    /// libzmq ignores them; a PING context longer than 16 bytes is kept here and cut when answered (``pong(answering:)``).
    ///
    /// - Throws: ``ZMTPError/Category/malformedCommand`` (with ``ZMTPError/command`` set to the command's name when
    ///   it could be read) when the body is empty, the name is empty or runs past the end, a READY's metadata is
    ///   truncated, an ERROR's reason runs past the end, or a PING has no 2-byte TTL.
    public init(parsing body: ByteBuffer) throws(ZMTPError) {
        var body = body
        if body.readableBytesView.starts(with: Command.libzmqPlainErrorPrefix) {
            // libzmq 4.3.0–4.3.5's PLAIN server writes ERROR as `^RROR` (a C hex escape swallowed the `E`).
            body.moveReaderIndex(forwardBy: Command.libzmqPlainErrorPrefix.count)
            let reason = body.readInteger(as: UInt8.self).flatMap { body.readSlice(length: Int($0)) }
            guard let reason else {
                throw ZMTPError.malformed(CommandName.error, "the reason runs past the end")
            }
            self = .error(reason: String(decoding: reason.readableBytesView, as: UTF8.self))
            return
        }
        guard let nameLength = body.readInteger(as: UInt8.self) else {
            throw ZMTPError(.malformedCommand, "malformed command: the command frame is empty")
        }
        guard nameLength > 0 else {
            throw ZMTPError(.malformedCommand, "malformed command: the command name is empty")
        }
        guard let nameBytes = body.readSlice(length: Int(nameLength)) else {
            throw ZMTPError(.malformedCommand, "malformed command: a \(nameLength)-byte name is announced but only "
                + "\(body.readableBytes) bytes follow")
        }
        let name = String(decoding: nameBytes.readableBytesView, as: UTF8.self)
        switch name {
        case CommandName.ready:
            self = .ready(try Metadata(parsing: body, command: name))
        case CommandName.error:
            guard let length = body.readInteger(as: UInt8.self) else {
                throw ZMTPError.malformed(name, "the reason length is missing")
            }
            guard let reason = body.readSlice(length: Int(length)) else {
                throw ZMTPError.malformed(name, "a \(length)-byte reason is announced but only "
                    + "\(body.readableBytes) bytes follow")
            }
            self = .error(reason: String(decoding: reason.readableBytesView, as: UTF8.self))
        case CommandName.subscribe:
            self = .subscribe(topic: Frame(body))
        case CommandName.cancel:
            self = .cancel(topic: Frame(body))
        case CommandName.ping:
            guard let ttl = body.readInteger(as: UInt16.self) else {
                throw ZMTPError.malformed(name, "the 2-byte TTL is missing")
            }
            self = .ping(ttl: ttl, context: Frame(body))
        case CommandName.pong:
            self = .pong(context: Frame(body))
        default:
            self = .other(name: printableName(nameBytes.readableBytesView), data: Frame(body))
        }
    }
}
