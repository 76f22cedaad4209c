import VTXCore
import VTXSecurity
import ZMTP

/// Chooses a connection's security mechanism from its socket's `SecurityOptions`: the one place where options
/// become a `Mechanism`.
public enum MechanismFactory {
    /// The mechanism for a connection of a socket with `options`, described by `context`; `maxMessageSize` bounds
    /// the messages a CURVE mechanism re-assembles from its boxes (the frame decoder sees one box at a time).
    ///
    /// The choice, as in `SecurityOptions`: `SecurityOptions.curveServer` → CURVE server;
    /// `SecurityOptions.curveServerKey` → CURVE client; `SecurityOptions.plainServer` → PLAIN server;
    /// `SecurityOptions.plainUsername` → PLAIN client; otherwise NULL.
    ///
    /// - Throws: `VTXError.Code.invalidArgument` for settings that cannot work (a PLAIN user name or password
    ///   over 255 bytes, a CURVE server without a secret key), saying which.
    public static func make(
        for options: SecurityOptions, context: HandshakeContext, maxMessageSize: Int? = nil
    ) throws(VTXError) -> any Mechanism {
        if options.curveServer {
            guard let secretKey = options.curveSecretKey else {
                throw VTXError(.invalidArgument, "a CURVE server needs its secret key (curveSecretKey)")
            }
            return CurveServerMechanism(secretKey: secretKey, context: context, maxMessageSize: maxMessageSize)
        }
        if let serverKey = options.curveServerKey {
            return try curveClient(
                serverKey: serverKey, options: options, context: context, maxMessageSize: maxMessageSize
            )
        }
        if options.plainServer {
            return PlainServerMechanism(context: context)
        }
        if let username = options.plainUsername {
            do throws(ZMTPError) {
                return try PlainClientMechanism(username: username, password: options.plainPassword ?? "", context: context)
            } catch {
                throw VTXError(.invalidArgument, error.message)
            }
        }
        return NullMechanism(context: context)
    }

    /// A CURVE client with the socket's key pair: the secret key given (its public key derived when not given
    /// too), or a fresh pair when there is none.
    private static func curveClient(
        serverKey: CurveKey, options: SecurityOptions, context: HandshakeContext, maxMessageSize: Int?
    ) throws(VTXError) -> CurveClientMechanism {
        let pair: CurveKeyPair
        if let secretKey = options.curveSecretKey, let publicKey = options.curvePublicKey {
            pair = CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
        } else if let secretKey = options.curveSecretKey {
            pair = try CurveKeyPair(secretKey: secretKey)
        } else {
            pair = .generate()
        }
        return CurveClientMechanism(
            serverKey: serverKey, publicKey: pair.publicKey, secretKey: pair.secretKey, context: context,
            maxMessageSize: maxMessageSize
        )
    }

    /// Checks that `options` make a mechanism, so that a bind or connect fails at once rather than every
    /// connection later.
    ///
    /// - Throws: as ``make(for:context:maxMessageSize:)``.
    public static func validate(_ options: SecurityOptions, socketType: SocketType) throws(VTXError) {
        _ = try make(for: options, context: HandshakeContext(socketType: socketType))
    }
}
