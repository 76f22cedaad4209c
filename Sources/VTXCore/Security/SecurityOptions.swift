/// A socket's security settings, as libzmq's `ZMQ_PLAIN_*`, `ZMQ_CURVE_*` and `ZMQ_ZAP_DOMAIN` options: which
/// mechanism its tcp and ipc connections use, and in which role.
///
/// The mechanism follows from what is set, in this order: ``curveServer`` makes a CURVE server; a
/// ``curveServerKey`` a CURVE client; ``plainServer`` a PLAIN server; a ``plainUsername`` a PLAIN client; nothing
/// the NULL mechanism. Both peers of a connection must use the same mechanism, one as client, one as server;
/// which side binds does not matter.
public struct SecurityOptions: Sendable, Hashable {
    /// Whether the socket is a PLAIN server: it asks its ZAP handler to check each client's user name and
    /// password. libzmq: `ZMQ_PLAIN_SERVER`.
    public var plainServer = false
    /// The user name a PLAIN client sends (at most 255 bytes). libzmq: `ZMQ_PLAIN_USERNAME`.
    public var plainUsername: String?
    /// The password a PLAIN client sends (at most 255 bytes). libzmq: `ZMQ_PLAIN_PASSWORD`.
    public var plainPassword: String?
    /// Whether the socket is a CURVE server (it then needs ``curveSecretKey``). libzmq: `ZMQ_CURVE_SERVER`.
    public var curveServer = false
    /// The socket's long-term CURVE secret key: a server's always, a client's when it has a certificate of its
    /// own (without one a client uses a fresh key pair per socket). libzmq: `ZMQ_CURVE_SECRETKEY`.
    public var curveSecretKey: CurveKey?
    /// The socket's long-term CURVE public key (a client's; derived from ``curveSecretKey`` when `nil`).
    /// libzmq: `ZMQ_CURVE_PUBLICKEY`.
    public var curvePublicKey: CurveKey?
    /// The server's public key, which makes the socket a CURVE client. libzmq: `ZMQ_CURVE_SERVERKEY`.
    public var curveServerKey: CurveKey?
    /// The ZAP domain. Set, it makes even a NULL server ask its ZAP handler. libzmq: `ZMQ_ZAP_DOMAIN`.
    public var zapDomain: String?

    /// No security: the NULL mechanism.
    public init() {}

    /// Whether anything is set that a transport must enforce: a PLAIN or CURVE role, or a ZAP domain.
    public var isSecured: Bool {
        plainServer || plainUsername != nil || curveServer || curveServerKey != nil || !(zapDomain ?? "").isEmpty
    }
}
