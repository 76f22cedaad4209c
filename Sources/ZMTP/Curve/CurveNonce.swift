/// The 24-byte nonces of CurveZMQ (RFC 26, as libzmq 4.3.4 builds them): a 16-byte prefix and an 8-byte
/// big-endian counter ("short" nonces), or an 8-byte prefix and 16 random bytes ("long" nonces).
package enum CurveNonce {
    /// HELLO's signature box: `CurveZMQHELLO---` and the client's short nonce.
    package static let hello = Array("CurveZMQHELLO---".utf8)
    /// INITIATE's box: `CurveZMQINITIATE` and the client's short nonce.
    package static let initiate = Array("CurveZMQINITIATE".utf8)
    /// READY's box: `CurveZMQREADY---` and the server's short nonce.
    package static let ready = Array("CurveZMQREADY---".utf8)
    /// A MESSAGE from the client (libzmq's prefix; RFC 26's grammar says `CurveZMQMESSAGE-`, which nobody sends).
    package static let messageFromClient = Array("CurveZMQMESSAGEC".utf8)
    /// A MESSAGE from the server.
    package static let messageFromServer = Array("CurveZMQMESSAGES".utf8)
    /// WELCOME's box: `WELCOME-` and 16 random bytes.
    package static let welcome = Array("WELCOME-".utf8)
    /// The cookie's secretbox: `COOKIE--` and 16 random bytes.
    package static let cookie = Array("COOKIE--".utf8)
    /// The vouch box: `VOUCH---` and 16 random bytes.
    package static let vouch = Array("VOUCH---".utf8)

    /// The number of random bytes in a long nonce.
    package static let longRandomSize = 16

    /// A short nonce: the 16-byte `prefix`, then `counter` big-endian.
    package static func short(_ prefix: [UInt8], _ counter: UInt64) -> [UInt8] {
        prefix + bigEndian(counter)
    }

    /// A long nonce: the 8-byte `prefix`, then the 16 `random` bytes.
    package static func long(_ prefix: [UInt8], _ random: some Collection<UInt8>) -> [UInt8] {
        prefix + Array(random)
    }

    /// `value` as 8 big-endian bytes.
    package static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64($0))) }
    }

    /// The big-endian value of the 8 bytes of `bytes` from `offset` on. Precondition: they exist.
    package static func readBigEndian(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in offset..<offset + 8 {
            value = value << 8 | UInt64(bytes[index])
        }
        return value
    }
}
