import NIOCore
import VTXCore

extension Command {
    /// Parses a command body like ``init(parsing:)``, except that commands whose name is in `unparsed` come out as
    /// ``other(name:data:)`` with their data untouched: CURVE's READY carries a nonce and a box, not metadata.
    ///
    /// - Throws: as ``init(parsing:)``.
    public init(parsing body: ByteBuffer, unparsed: Set<String>) throws(ZMTPError) {
        if !unparsed.isEmpty {
            var rest = body
            if let length = rest.readInteger(as: UInt8.self), length > 0,
                let name = rest.readString(length: Int(length)), unparsed.contains(name)
            {
                self = .other(name: name, data: Frame(rest))
                return
            }
        }
        try self.init(parsing: body)
    }
}
