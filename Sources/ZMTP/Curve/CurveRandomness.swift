/// Where a CURVE handshake gets its randomness: transient key pairs and the 16 random bytes of long nonces (and of
/// cookie keys). ``system`` uses libsodium's CSPRNG; tests inject fixed values to reproduce a transcript byte for byte.
package struct CurveRandomness: Sendable {
    /// A fresh transient key pair (C'/c' for a client, S'/s' for a server).
    package var transientKeyPair: @Sendable () -> (publicKey: [UInt8], secretKey: SecretBytes)
    /// 16 random bytes: WELCOME's and the cookie's nonces (server, in that order), the vouch nonce (client).
    package var longNonce: @Sendable () -> [UInt8]

    /// Makes a source of randomness from its two parts.
    package init(
        transientKeyPair: @escaping @Sendable () -> (publicKey: [UInt8], secretKey: SecretBytes),
        longNonce: @escaping @Sendable () -> [UInt8]
    ) {
        self.transientKeyPair = transientKeyPair
        self.longNonce = longNonce
    }

    /// libsodium's `crypto_box_keypair` and `randombytes_buf`, as libzmq uses them.
    package static let system = CurveRandomness(
        transientKeyPair: { Sodium.boxKeyPair() },
        longNonce: { Sodium.randomBytes(CurveNonce.longRandomSize) }
    )
}
