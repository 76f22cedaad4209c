import NIOCore
import VTXCore

/// ZMTP metadata: the ordered name/value properties carried by READY (and by PLAIN/CURVE INITIATE and READY).
///
/// On the wire each property is `u8 name-length | name | u32be value-length | value` (RFC 23 §"Metadata").
/// Names are looked up ASCII-case-insensitively, as the RFC says; they are written exactly as given, and the
/// standard names are spelled as libzmq compares them (case-sensitively): ``socketTypeName`` and ``identityName``.
public struct Metadata: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral {
    /// One property.
    public struct Property: Sendable, Hashable {
        /// The property's name, such as `Socket-Type`.
        public var name: String
        /// The property's value bytes.
        public var value: Frame

        /// Makes a property.
        public init(name: String, value: Frame) {
            self.name = name
            self.value = value
        }
    }

    /// The name of the property holding the socket type, spelled as libzmq expects it.
    public static let socketTypeName = "Socket-Type"
    /// The name of the property holding the routing id, spelled as libzmq expects it.
    public static let identityName = "Identity"
    /// The largest value length the wire format allows (libzmq asserts values stay below 2^31).
    public static let maxValueLength = Int(Int32.max)

    /// The properties, in wire order.
    public var properties: [Property]

    /// Makes metadata from properties.
    public init(_ properties: [Property] = []) {
        self.properties = properties
    }

    /// Makes metadata from `(name, value)` pairs.
    public init(arrayLiteral elements: (String, Frame)...) {
        properties = elements.map { Property(name: $0.0, value: $0.1) }
    }

    /// The position of the first property.
    public var startIndex: Int { properties.startIndex }
    /// One past the position of the last property.
    public var endIndex: Int { properties.endIndex }
    /// The property at `position`.
    public subscript(position: Int) -> Property { properties[position] }

    /// The value of the first property called `name` (ASCII-case-insensitively), or `nil` when there is none.
    public subscript(name: String) -> Frame? {
        properties.first { Metadata.namesMatch($0.name, name) }?.value
    }

    /// Adds a property at the end. Precondition: the name is 1–255 bytes and the value below 2^31 bytes.
    public mutating func append(name: String, value: Frame) {
        precondition((1...255).contains(name.utf8.count), "a metadata name must be 1 to 255 bytes")
        precondition(value.count <= Metadata.maxValueLength, "a metadata value must be shorter than 2^31 bytes")
        properties.append(Property(name: name, value: value))
    }

    /// Whether two property names are equal ignoring ASCII case.
    public static func namesMatch(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count
            && zip(lhs.utf8, rhs.utf8).allSatisfy { asciiLowercase($0) == asciiLowercase($1) }
    }

    private static func asciiLowercase(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }

    /// The number of bytes ``write(to:)`` appends.
    public var encodedSize: Int {
        properties.reduce(0) { $0 + 1 + $1.name.utf8.count + 4 + $1.value.count }
    }

    /// Appends the properties in wire form to `buffer`. Never throws.
    public func write(to buffer: inout ByteBuffer) {
        for property in properties {
            buffer.writeInteger(UInt8(truncatingIfNeeded: property.name.utf8.count))
            buffer.writeString(property.name)
            buffer.writeInteger(UInt32(truncatingIfNeeded: property.value.count))
            property.value.withUnsafeBytes { _ = buffer.writeBytes($0) }
        }
    }

    /// Reads properties from all readable bytes of `buffer`, as libzmq's `parse_metadata` does, and more strictly:
    /// libzmq takes an empty name, and keeps the first of two properties with the same name; here both are errors,
    /// since no ZeroMQ implementation sends either and a second `Socket-Type` or `Identity` could otherwise mean
    /// one thing to one reader and another to the next.
    ///
    /// - Parameter command: the name of the command the metadata belongs to, for error messages.
    /// - Throws: ``ZMTPError/Category/malformedCommand`` (naming `command`) when a name or value runs past the
    ///   end, bytes are left over that cannot form a property, a name is empty, or a name appears twice (ignoring
    ///   ASCII case).
    public init(parsing buffer: ByteBuffer, command: String) throws(ZMTPError) {
        var buffer = buffer
        var properties: [Property] = []
        while buffer.readableBytes > 0 {
            let index = properties.count + 1
            guard let nameLength = buffer.readInteger(as: UInt8.self) else { break }
            guard let name = buffer.readSlice(length: Int(nameLength)) else {
                throw ZMTPError.malformed(command, "property \(index) has a \(nameLength)-byte name but only "
                    + "\(buffer.readableBytes) bytes remain")
            }
            guard let valueLength = buffer.readInteger(as: UInt32.self) else {
                throw ZMTPError.malformed(command, "property \(index) (\(printableName(name.readableBytesView))) "
                    + "is truncated before its value length")
            }
            guard valueLength <= UInt32(Int32.max), let value = buffer.readSlice(length: Int(valueLength)) else {
                throw ZMTPError.malformed(command, "property \(index) (\(printableName(name.readableBytesView))) "
                    + "announces a \(valueLength)-byte value but only \(buffer.readableBytes) bytes remain")
            }
            guard nameLength > 0 else { throw ZMTPError.malformed(command, "property \(index) has an empty name") }
            let text = String(decoding: name.readableBytesView, as: UTF8.self)
            guard !properties.contains(where: { Metadata.namesMatch($0.name, text) }) else {
                throw ZMTPError.malformed(command, "property \(index) repeats the name \(printableName(name.readableBytesView))")
            }
            properties.append(Property(name: text, value: Frame(value)))
        }
        self.properties = properties
    }
}
