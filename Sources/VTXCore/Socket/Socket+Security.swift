extension Socket {
    /// All the socket's security settings at once (``SecurityOptions``); apply to later binds and connects.
    public var security: SecurityOptions {
        get { options.security }
        set { options.security = newValue }
    }

    /// Makes the socket a PLAIN server: each client's user name and password go to the manager's ZAP handler
    /// (``ZAPRequest/endpoint``), and a client is admitted only when it answers 200. Applies to later binds and
    /// connects. libzmq: `ZMQ_PLAIN_SERVER`.
    public var plainServer: Bool {
        get { options.security.plainServer }
        set { options.security.plainServer = newValue }
    }

    /// The user name a PLAIN client sends; setting it makes the socket a PLAIN client. libzmq: `ZMQ_PLAIN_USERNAME`.
    public var plainUsername: String? {
        get { options.security.plainUsername }
        set { options.security.plainUsername = newValue }
    }

    /// The password a PLAIN client sends. libzmq: `ZMQ_PLAIN_PASSWORD`.
    public var plainPassword: String? {
        get { options.security.plainPassword }
        set { options.security.plainPassword = newValue }
    }

    /// Makes the socket a CURVE server; it also needs ``curveSecretKey``. libzmq: `ZMQ_CURVE_SERVER`.
    public var curveServer: Bool {
        get { options.security.curveServer }
        set { options.security.curveServer = newValue }
    }

    /// The socket's long-term CURVE secret key. libzmq: `ZMQ_CURVE_SECRETKEY`.
    public var curveSecretKey: CurveKey? {
        get { options.security.curveSecretKey }
        set { options.security.curveSecretKey = newValue }
    }

    /// The socket's long-term CURVE public key (a client's). libzmq: `ZMQ_CURVE_PUBLICKEY`.
    public var curvePublicKey: CurveKey? {
        get { options.security.curvePublicKey }
        set { options.security.curvePublicKey = newValue }
    }

    /// The server's CURVE public key; setting it makes the socket a CURVE client. libzmq: `ZMQ_CURVE_SERVERKEY`.
    public var curveServerKey: CurveKey? {
        get { options.security.curveServerKey }
        set { options.security.curveServerKey = newValue }
    }

    /// The ZAP domain; set, even a NULL server asks the ZAP handler before admitting a peer.
    /// libzmq: `ZMQ_ZAP_DOMAIN`.
    public var zapDomain: String? {
        get { options.security.zapDomain }
        set { options.security.zapDomain = newValue }
    }
}
