import VTXCore
import ZMTP

/// A CURVE key pair: a public key to hand out and the secret key it belongs to (libzmq's `zmq_curve_keypair` and
/// `zmq_curve_public`).
///
/// Printing a pair shows its public key only.
public struct CurveKeyPair: Sendable, Hashable, CustomStringConvertible {
    /// The public key, for peers (a server's goes in its clients' `serverKey`).
    public let publicKey: CurveKey
    /// The secret key. Keep it private: never log it or send it anywhere.
    public let secretKey: CurveKey

    /// A fresh key pair from libsodium's CSPRNG (`crypto_box_keypair`). Never throws.
    public static func generate() -> CurveKeyPair {
        let pair = Sodium.boxKeyPair()
        return pair.secretKey.withUnsafeBytes { secret in
            CurveKeyPair(publicKey: CurveKey(trusted: pair.publicKey), secretKey: CurveKey(trusted: Array(secret)))
        }
    }

    /// The pair of `secretKey`, its public key derived with `crypto_scalarmult_base` (libzmq's `zmq_curve_public`).
    ///
    /// - Throws: `VTXError.Code.invalidArgument` when libsodium cannot derive the public key.
    public init(secretKey: CurveKey) throws(VTXError) {
        let derived = secretKey.bytes.withUnsafeBytes { Sodium.publicKey(forSecretKey: $0) }
        guard let derived else {
            throw VTXError(.invalidArgument, "cannot derive a CURVE public key from this secret key")
        }
        self.init(publicKey: try CurveKey(bytes: derived), secretKey: secretKey)
    }

    /// A pair from both keys, as given (not checked against each other; ``init(secretKey:)`` derives the public key).
    public init(publicKey: CurveKey, secretKey: CurveKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// `CurveKeyPair(public: <Z85>)`: the public key only.
    public var description: String { "CurveKeyPair(public: \(publicKey.z85))" }
}
