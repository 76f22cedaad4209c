import NIOCore
import VTXCore

/// The server side of the CURVE mechanism (RFC 26, byte-compatible with libzmq 4.3.4): proves the server's key,
/// checks the client's, asks ZAP about the client's public key, and encrypts every frame after the handshake.
///
/// HELLO is answered by WELCOME, which carries our transient public key and a cookie: our transient secret key and
/// the client's transient public key sealed with the shared ``CurveCookieKeys``. Nothing secret is kept between
/// WELCOME and INITIATE, only the (public) cookie, which INITIATE must echo: so an INITIATE replayed from another
/// connection is refused, as libzmq's per-connection cookie key refuses it. INITIATE is checked as libzmq checks it (cookie, box, vouch); then the step asks ZAP
/// (mechanism `CURVE`, credentials: the client's 32-byte public key), and ``resume(with:)`` answers READY or refuses:
/// - no handler: admitted, without a user id;
/// - 200: admitted; the reply's user id (when not empty) and metadata join the peer's properties;
/// - 300: refused without ERROR; 400 and 500: ERROR with the status code, then refused;
/// - an invalid reply: refused.
/// Refusals are ``ZMTPError/Category/authenticationFailed`` with the status code.
public struct CurveServerMechanism: Mechanism {
    private enum State: Sendable { case expectingHello, expectingInitiate, awaitingZAP, complete, failed }

    /// Our socket (type, routing id, properties for READY) and the ZAP request's fields.
    public let context: HandshakeContext
    /// The largest message accepted after the handshake; `nil` for no limit.
    public let maxMessageSize: Int?
    /// What the client's INITIATE and ZAP said, once the handshake is complete.
    public private(set) var peer: PeerProperties?

    private let secretKey: [UInt8]
    private let cookieKeys: CurveCookieKeys
    private let randomness: CurveRandomness
    private var state = State.expectingHello
    private var clientTransient: [UInt8] = []
    /// The cookie our WELCOME sent (public: the client sees it); INITIATE must echo it.
    private var sentCookie: [UInt8] = []
    private var clientKey: [UInt8] = []
    private var clientMetadata: Metadata = []
    private var sessionKey: SecretBytes?
    private var lastClientNonce: UInt64 = 0
    private var session: CurveSession?

    /// Makes the server side of a connection for a server with secret key `secretKey`, for the socket and peer
    /// described by `context` (its routing id is also the ZAP request's identity, as libzmq sends it).
    ///
    /// - Parameters:
    ///   - maxMessageSize: the largest message accepted after the handshake; `nil` for no limit.
    ///   - cookieKeys: the keys cookies are sealed with (``CurveCookieKeys/shared`` by default).
    public init(
        secretKey: CurveKey, context: HandshakeContext, maxMessageSize: Int? = nil,
        cookieKeys: CurveCookieKeys = .shared
    ) {
        self.init(
            secretKey: secretKey, context: context, maxMessageSize: maxMessageSize, cookieKeys: cookieKeys,
            randomness: .system
        )
    }

    /// Makes a server that draws its transient key pair and long nonces from `randomness`.
    package init(
        secretKey: CurveKey, context: HandshakeContext, maxMessageSize: Int?, cookieKeys: CurveCookieKeys,
        randomness: CurveRandomness
    ) {
        self.secretKey = secretKey.bytes
        self.context = context
        self.maxMessageSize = maxMessageSize
        self.cookieKeys = cookieKeys
        self.randomness = randomness
    }

    /// `CURVE`.
    public var name: MechanismName { .curve }
    /// `true`: the server.
    public var isServer: Bool { true }
    /// Whether READY has been sent.
    public var isComplete: Bool { state == .complete }
    /// `false`: every frame is boxed in a MESSAGE after the handshake.
    public var passesFramesThrough: Bool { false }

    /// Nothing: the client speaks first. Never throws.
    public mutating func start() throws(ZMTPError) -> HandshakeStep { HandshakeStep() }

    /// Handles HELLO (answering WELCOME) and INITIATE (asking ZAP).
    ///
    /// - Throws: ``ZMTPError/Category/unexpectedCommand`` for anything out of turn (data, ERROR, another command,
    ///   anything while ZAP is asked or after READY); the parse errors of HELLO and INITIATE (malformed,
    ///   cryptographic, key exchange); ``ZMTPError/Category/invalidMetadata`` and
    ///   ``ZMTPError/Category/incompatibleSocketType`` from the client's metadata.
    public mutating func process(_ item: ZMTPItem) throws(ZMTPError) -> HandshakeStep {
        switch (state, item) {
        case (.expectingHello, .command(.other(name: "HELLO", let data))):
            return try hello(data.bytes)
        case (.expectingInitiate, .command(.other(name: "INITIATE", let data))):
            return try initiate(data.bytes)
        case (.awaitingZAP, _):
            throw ZMTPError(.unexpectedCommand, "the CURVE client sent more before ZAP answered")
        case (.complete, _), (.failed, _):
            throw ZMTPError(.unexpectedCommand, "the CURVE handshake is already over")
        case (_, .message):
            throw ZMTPError(.unexpectedCommand, "a data frame arrived during the CURVE handshake")
        case (.expectingHello, .command(let command)):
            throw ZMTPError(.unexpectedCommand, "the CURVE server expected HELLO, not \(command.name)")
        case (.expectingInitiate, .command(let command)):
            throw ZMTPError(.unexpectedCommand, "the CURVE server expected INITIATE, not \(command.name)")
        }
    }

    private mutating func hello(_ data: [UInt8]) throws(ZMTPError) -> HandshakeStep {
        let hello = try CurveHandshake.parseHello(data, serverSecret: secretKey)
        // s' lives only in this scope and in the cookie: the last reference goes (and the bytes are wiped) on return.
        let pair = randomness.transientKeyPair()
        let welcomeNonce = randomness.longNonce()
        let cookieNonce = randomness.longNonce()
        let welcome = try CurveHandshake.welcome(
            clientTransient: hello.clientTransient, serverSecret: secretKey, serverTransient: pair.publicKey,
            serverTransientSecret: pair.secretKey, cookieKey: cookieKeys.sealingKey(), welcomeNonce: welcomeNonce,
            cookieNonce: cookieNonce
        )
        clientTransient = hello.clientTransient
        sentCookie = welcome.cookie
        lastClientNonce = hello.nonce
        state = .expectingInitiate
        return HandshakeStep(commands: [welcome.command])
    }

    private mutating func initiate(_ data: [UInt8]) throws(ZMTPError) -> HandshakeStep {
        // The cookie keys are shared by every connection, so a cookie alone would let an INITIATE recorded on
        // another connection (with its HELLO replayed here) open within the key's lifetime, and its recorded
        // MESSAGEs with it. Only the cookie this connection's WELCOME sent is accepted, as libzmq's per-connection
        // cookie key accepts only that one.
        guard data.count >= CurveHandshake.cookieSize, Array(data[0..<CurveHandshake.cookieSize]) == sentCookie else {
            if data.count + 9 < CurveHandshake.initiateMinimumSize {
                throw ZMTPError.malformed("INITIATE", "a CURVE INITIATE has at least "
                    + "\(CurveHandshake.initiateMinimumSize) bytes, this one \(data.count + 9)")
            }
            throw ZMTPError(.cryptographic, "the INITIATE cookie is not the one this connection's WELCOME sent "
                + "(a forged or replayed INITIATE)")
        }
        let initiate = try CurveHandshake.parseInitiate(
            data, clientTransient: clientTransient, cookieKeys: cookieKeys.openingKeys()
        )
        // libzmq does not compare INITIATE's nonce with HELLO's; MESSAGEs must exceed INITIATE's.
        _ = try context.peerProperties(from: initiate.metadata)
        clientMetadata = initiate.metadata
        sessionKey = initiate.sessionKey
        clientKey = initiate.clientKey
        lastClientNonce = initiate.nonce
        state = .awaitingZAP
        return HandshakeStep(authenticate: context.zapRequest(mechanism: .curve, credentials: [Frame(initiate.clientKey)]))
    }

    /// Finishes the handshake with ZAP's verdict on the client's key (``ZAPOutcome/judge(mechanism:admitsWithoutHandler:peer:)``,
    /// admitting without a handler as libzmq's CURVE server does): READY when admitted, a refusal otherwise.
    ///
    /// - Returns: READY (admitted); ERROR and a failure (400, 500); a failure alone (300, an invalid reply,
    ///   handler metadata that cannot be parsed).
    /// - Throws: ``ZMTPError/Category/unexpectedCommand`` when no ZAP request is pending; the client's metadata
    ///   errors.
    public mutating func resume(with outcome: ZAPOutcome) throws(ZMTPError) -> HandshakeStep {
        guard state == .awaitingZAP, let sessionKey else {
            throw ZMTPError(.unexpectedCommand, "a ZAP outcome arrived when the CURVE server asked none")
        }
        switch outcome.judge(mechanism: .curve, admitsWithoutHandler: true, peer: context.peerDescription) {
        case .refused(let step):
            state = .failed
            self.sessionKey = nil
            return step
        case .admitted(let userId, let properties):
            let admitted = try context.peerProperties(from: clientMetadata, userId: userId, authenticated: properties)
            let ready = try CurveHandshake.ready(metadata: context.localMetadata, nonce: 1, sessionKey: sessionKey)
            session = CurveSession(
                sessionKey: sessionKey, isServer: true, nextNonce: 2, lastPeerNonce: lastClientNonce,
                maxMessageSize: maxMessageSize
            )
            peer = admitted
            state = .complete
            return HandshakeStep(commands: [ready])
        }
    }

    /// Appends `message` as one MESSAGE data frame per frame.
    ///
    /// - Throws: ``ZMTPError/Category/unexpectedCommand`` before the handshake is complete; the errors of
    ///   ``CurveSession/encode(_:into:)-(Message,_)``.
    public mutating func encode(_ message: Message, into buffer: inout ByteBuffer) throws(ZMTPError) {
        guard session != nil else { throw ZMTPError(.unexpectedCommand, "data before the CURVE handshake completed") }
        try session?.encode(message, into: &buffer)
    }

    /// Appends `command` boxed in a MESSAGE with the inner COMMAND flag.
    ///
    /// - Throws: as ``encode(_:into:)-(Message,_)``.
    public mutating func encode(_ command: Command, into buffer: inout ByteBuffer) throws(ZMTPError) {
        guard session != nil else { throw ZMTPError(.unexpectedCommand, "a command before the CURVE handshake completed") }
        try session?.encode(command, into: &buffer)
    }

    /// Opens a MESSAGE from the client: a whole message, a command, or `nil` for a frame that is not the last.
    ///
    /// - Throws: ``ZMTPError/Category/unexpectedCommand`` before the handshake is complete; the errors of
    ///   ``CurveSession/decode(_:)``.
    public mutating func decode(_ item: ZMTPItem) throws(ZMTPError) -> ZMTPItem? {
        guard session != nil else { throw ZMTPError(.unexpectedCommand, "data before the CURVE handshake completed") }
        return try session?.decode(item) ?? nil
    }
}
