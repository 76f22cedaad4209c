/// A ZAP (RFC 27) authentication request: what a server-side handshake asks the socket's ZAP handler (the
/// socket bound at ``ZAPRequest/endpoint`` in the same manager) before it admits a peer.
///
/// The frames are exactly those libzmq 4.3.4 sends: after an empty delimiter, `"1.0"`, the request id `"1"`, the
/// domain, the peer's IP address (no port), the *server socket's own* routing id, the mechanism name, then the
/// credentials (PLAIN: user name and password; CURVE: the client's 32-byte public key; NULL: none).
public struct ZAPRequest: Sendable, Hashable {
    /// The endpoint a ZAP handler binds: `inproc://zeromq.zap.01`.
    public static let endpoint = "inproc://zeromq.zap.01"
    /// The protocol version, `"1.0"`.
    public static let version = "1.0"
    /// The request id libzmq always uses, `"1"`; the reply must echo it.
    public static let requestId = "1"

    /// The ZAP domain (the server socket's ``Socket/zapDomain``; empty when unset).
    public var domain: String
    /// The peer's address: its IP address for tcp, empty when the transport has none.
    public var address: String
    /// The server socket's own routing id (what libzmq sends; RFC 27 says the connection's identity).
    public var identity: Frame
    /// The mechanism: `"NULL"`, `"PLAIN"` or `"CURVE"`.
    public var mechanism: String
    /// The mechanism's credentials.
    public var credentials: [Frame]

    /// Makes a request.
    public init(domain: String, address: String, identity: Frame, mechanism: String, credentials: [Frame]) {
        self.domain = domain
        self.address = address
        self.identity = identity
        self.mechanism = mechanism
        self.credentials = credentials
    }

    /// The request as a DEALER sends it: an empty delimiter, then the RFC 27 frames.
    public var message: Message {
        var frames = [Frame(), Frame(ZAPRequest.version), Frame(ZAPRequest.requestId), Frame(domain), Frame(address)]
        frames.append(identity)
        frames.append(Frame(mechanism))
        frames.append(contentsOf: credentials)
        return Message(frames)
    }

    /// Reads a request from its RFC 27 frames, as a REP handler receives them (a ROUTER handler first removes the
    /// routing id and the empty delimiter).
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` naming what is wrong: too few frames, another version.
    public init(parsing frames: [Frame]) throws(VTXError) {
        guard frames.count >= 6 else {
            throw VTXError(.invalidArgument, "a ZAP request has at least 6 frames, not \(frames.count)")
        }
        let version = frames[0].text
        guard version == ZAPRequest.version else {
            throw VTXError(.invalidArgument, "the ZAP request is for version \"\(version)\", not 1.0")
        }
        self.init(
            domain: frames[2].text,
            address: frames[3].text,
            identity: frames[4],
            mechanism: frames[5].text,
            credentials: Array(frames.dropFirst(6))
        )
    }
}

extension Frame {
    /// The bytes as UTF-8 text (invalid sequences replaced).
    var text: String { withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }
}
