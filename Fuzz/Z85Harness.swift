import VTXCore

/// Z85 both ways: any text that decodes re-encodes to itself (Z85 is canonical, libzmq's rules); any bytes (cut to
/// whole groups of 4) encode to text that decodes back to them, 5 characters per 4 bytes; a 40-character key that
/// decodes round-trips through ``CurveKey``.
enum Z85Harness {
    static func run(_ data: [UInt8]) {
        let text = String(decoding: data, as: UTF8.self)
        if let decoded = try? Z85.decode(text) {
            require(decoded.count * 5 == text.utf8.count * 4, "\(text.utf8.count) characters gave \(decoded.count) bytes")
            require((try? Z85.encode(decoded)) == text, "decoded text does not encode back")
        }
        let bytes = Array(data.prefix(data.count / 4 * 4))
        do {
            let encoded = try Z85.encode(bytes)
            require(encoded.utf8.count == bytes.count / 4 * 5, "\(bytes.count) bytes gave \(encoded.utf8.count) characters")
            if bytes.isEmpty {
                require(encoded.isEmpty, "no bytes encoded to text")
            } else {
                require((try? Z85.decode(encoded)) == bytes, "encoded bytes do not decode back")
            }
        } catch {
            require(false, "whole groups of 4 bytes failed to encode: \(error)")
        }
        if let key = try? CurveKey(z85: text) {
            require(key.z85 == text && key.bytes.count == 32, "a key does not round-trip")
        }
    }
}
