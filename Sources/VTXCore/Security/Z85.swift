/// Z85 (ZeroMQ RFC 32), the printable encoding of binary data such as CURVE keys: every 4 bytes become 5
/// characters from an 85-character alphabet, most significant first. A 32-byte key is 40 characters.
///
/// Both directions follow libzmq's `zmq_z85_encode`/`zmq_z85_decode`: input lengths must be multiples of 4 (bytes)
/// or 5 (characters), and decoding rejects characters outside the alphabet, groups whose value does not fit in
/// 32 bits, and the empty string.
public enum Z85 {
    /// The 85 characters, in value order.
    static let alphabet: [UInt8] = Array(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8
    )

    /// The value of each ASCII character, or 0xFF for characters outside the alphabet.
    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        return table
    }()

    /// Encodes `bytes` as Z85 text.
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` when the number of bytes is not a multiple of 4 (Z85 has no
    ///   padding; pad the data yourself).
    public static func encode(_ bytes: some Collection<UInt8>) throws(VTXError) -> String {
        guard bytes.count % 4 == 0 else {
            throw VTXError(.invalidArgument, "Z85 encodes whole groups of 4 bytes, but \(bytes.count) bytes were given")
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count / 4 * 5)
        var value: UInt32 = 0
        var count = 0
        for byte in bytes {
            value = value << 8 | UInt32(byte)
            count += 1
            guard count == 4 else { continue }
            var divisor: UInt32 = 85 * 85 * 85 * 85
            while divisor > 0 {
                output.append(alphabet[Int(value / divisor % 85)])
                divisor /= 85
            }
            value = 0
            count = 0
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes Z85 `text` into bytes.
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` when `text` is empty or its length is not a multiple of 5, when it
    ///   holds a character outside the Z85 alphabet (the message gives the character and its position), or when a
    ///   5-character group stands for a value above 0xFFFFFFFF.
    public static func decode(_ text: String) throws(VTXError) -> [UInt8] {
        let characters = Array(text.utf8)
        guard !characters.isEmpty else {
            throw VTXError(.invalidArgument, "Z85 text is empty (libzmq refuses to decode it too)")
        }
        guard characters.count % 5 == 0 else {
            throw VTXError(.invalidArgument, "Z85 text has \(characters.count) bytes, not a multiple of 5")
        }
        var output: [UInt8] = []
        output.reserveCapacity(characters.count / 5 * 4)
        var group = 0
        while group < characters.count {
            var value: UInt64 = 0
            for index in group..<group + 5 {
                let digit = values[Int(characters[index])]
                guard digit != 0xFF else {
                    throw VTXError(.invalidArgument, "Z85 text has \(describe(characters[index])) at position "
                        + "\(index + 1), which is not in the Z85 alphabet")
                }
                value = value * 85 + UInt64(digit)
            }
            guard value <= UInt64(UInt32.max) else {
                throw VTXError(.invalidArgument, "the Z85 group at positions \(group + 1)-\(group + 5) "
                    + "(\"\(String(decoding: characters[group..<group + 5], as: UTF8.self))\") stands for a value "
                    + "above 0xFFFFFFFF")
            }
            let word = UInt32(value)
            output.append(UInt8(truncatingIfNeeded: word >> 24))
            output.append(UInt8(truncatingIfNeeded: word >> 16))
            output.append(UInt8(truncatingIfNeeded: word >> 8))
            output.append(UInt8(truncatingIfNeeded: word))
            group += 5
        }
        return output
    }

    /// A byte of text for an error message: the character when printable ASCII, its hex value otherwise.
    private static func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x" + hex(byte)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
