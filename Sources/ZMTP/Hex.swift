/// Formats bytes as space-separated lowercase hex pairs for error messages, such as `ff 00 7f`.
func hexDescription<Bytes: Sequence<UInt8>>(_ bytes: Bytes, limit: Int = 16) -> String {
    var parts: [String] = []
    var truncated = false
    for byte in bytes {
        if parts.count == limit {
            truncated = true
            break
        }
        parts.append(byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16))
    }
    return parts.joined(separator: " ") + (truncated ? " …" : "")
}

/// Text for a name read off the wire: the bytes as ASCII when they are all printable, hex otherwise.
func printableName<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
    if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
        return String(decoding: bytes, as: UTF8.self)
    }
    return "<" + hexDescription(bytes, limit: 32) + ">"
}
