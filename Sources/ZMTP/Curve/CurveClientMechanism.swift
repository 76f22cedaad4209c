import NIOCore
import VTXCore

/// The client side of the CURVE mechanism (RFC 26, byte-compatible with libzmq 4.3.4): authenticates the server by
/// its public key, proves our own key pair, and encrypts every frame after the handshake.
///
/// The handshake: ``start()`` sends HELLO; WELCOME brings the server's transient key and a cookie, answered by
/// INITIATE (our long-term key, a vouch for our transient key, our metadata); READY brings the server's metadata and
/// completes it. Our transient secret key is wiped once INITIATE is made; the session key lives until the
/// connection ends. The peer's ERROR is accepted while waiting for WELCOME or READY.
public struct CurveClientMechanism: Mechanism {
    private enum State: Sendable { case idle, expectingWelcome, expectingReady, complete }

    /// Our socket: its type, routing id and properties for INITIATE.
    public let context: HandshakeContext
    /// The largest message accepted after the handshake; `nil` for no limit.
    public let maxMessageSize: Int?
    /// What the server's READY said, once the handshake is complete.
    public private(set) var peer: PeerProperties?

    private let serverKey: [UInt8]
    private let publicKey: [UInt8]
    private let secretKey: [UInt8]
    private let randomness: CurveRandomness
    private var state = State.idle
    private var transientKey: [UInt8] = []
    private var transientSecret: SecretBytes?
    private var sessionKey: SecretBytes?
    private var session: CurveSession?

    /// Makes the client side of a connection to the server whose public key is `serverKey`, proving the key pair
    /// `publicKey`/`secretKey`, for the socket described by `context`.
    ///
    /// - Parameter maxMessageSize: the largest message accepted after the handshake (the sum of its frames);
    ///   `nil` for no limit.
    public init(
        serverKey: CurveKey, publicKey: CurveKey, secretKey: CurveKey, context: HandshakeContext,
        maxMessageSize: Int? = nil
    ) {
        self.init(
            serverKey: serverKey, publicKey: publicKey, secretKey: secretKey, context: context,
            maxMessageSize: maxMessageSize, randomness: .system
        )
    }

    /// Makes a client that draws its transient key pair and vouch nonce from `randomness`.
    package init(
        serverKey: CurveKey, publicKey: CurveKey, secretKey: CurveKey, context: HandshakeContext,
        maxMessageSize: Int?, randomness: CurveRandomness
    ) {
        self.serverKey = serverKey.bytes
        self.publicKey = publicKey.bytes
        self.secretKey = secretKey.bytes
        self.context = context
        self.maxMessageSize = maxMessageSize
        self.randomness = randomness
    }

    /// `CURVE`.
    public var name: MechanismName { .curve }
    /// `false`: the client.
    public var isServer: Bool { false }
    /// Whether READY has arrived.
    public var isComplete: Bool { state == .complete }
    /// `false`: every frame is boxed in a MESSAGE after the handshake.
    public var passesFramesThrough: Bool { false }
    /// `READY`: its body is a nonce and a box, which the decoder must not read as metadata.
    public var unparsedCommands: Set<String> { ["READY"] }

    /// Returns HELLO, the first time; nothing after that.
    ///
    /// - Throws: ``ZMTPError/Category/keyExchange`` when ``publicKey`` is not the public key of the secret key
    ///   given (the server would refuse the vouch); ``ZMTPError/Category/cryptographic`` when the server key is
    ///   unusable (of low order).
    public mutating func start() throws(ZMTPError) -> HandshakeStep {
        guard state == .idle else { return HandshakeStep() }
        let derived = secretKey.withUnsafeBytes { Sodium.publicKey(forSecretKey: $0) }
        guard derived == publicKey else {
            throw ZMTPError(.keyExchange, "the CURVE public key given is not the public key of the secret key given")
        }
        let pair = randomness.transientKeyPair()
        transientKey = pair.publicKey
        transientSecret = pair.secretKey
        let hello = try CurveHandshake.hello(
            clientTransient: pair.publicKey, clientTransientSecret: pair.secretKey, serverKey: serverKey, nonce: 1
        )
        state = .expectingWelcome
        return HandshakeStep(commands: [hello])
    }

    /// Handles WELCOME (answering INITIATE) and READY (completing the handshake).
    ///
    /// - Throws: ``ZMTPError/Category/peerError`` for the server's ERROR; ``ZMTPError/Category/unexpectedCommand``
    ///   for anything else out of turn (data, another command, anything after READY); the parse errors of
    ///   WELCOME and READY (malformed, cryptographic); ``ZMTPError/Category/invalidMetadata`` and
    ///   ``ZMTPError/Category/incompatibleSocketType`` from the server's metadata.
    public mutating func process(_ item: ZMTPItem) throws(ZMTPError) -> HandshakeStep {
        switch (state, item) {
        case (.expectingWelcome, .command(.error(let reason))), (.expectingReady, .command(.error(let reason))):
            throw ZMTPError(.peerError, "the CURVE server refused the handshake with ERROR \"\(reason)\"",
                peerReason: reason)
        case (.expectingWelcome, .command(.other(name: "WELCOME", let data))):
            return try welcome(data.bytes)
        case (.expectingReady, .command(.other(name: "READY", let data))):
            try ready(data.bytes)
            return HandshakeStep()
        case (.expectingReady, .command(.ready(let metadata))):
            // A decoder that parsed the boxed READY as plain metadata: its bytes, written back.
            var bytes = ByteBuffer()
            metadata.write(to: &bytes)
            try ready(Array(bytes.readableBytesView))
            return HandshakeStep()
        case (.idle, _):
            throw ZMTPError(.unexpectedCommand, "a CURVE client received something before sending HELLO")
        case (.complete, _):
            throw ZMTPError(.unexpectedCommand, "the CURVE handshake is already complete")
        case (_, .message):
            throw ZMTPError(.unexpectedCommand, "a data frame arrived during the CURVE handshake")
        case (.expectingWelcome, .command(let command)):
            throw ZMTPError(.unexpectedCommand, "the CURVE client expected WELCOME, not \(command.name)")
        case (.expectingReady, .command(let command)):
            throw ZMTPError(.unexpectedCommand, "the CURVE client expected READY, not \(command.name)")
        }
    }

    private mutating func welcome(_ data: [UInt8]) throws(ZMTPError) -> HandshakeStep {
        guard let transientSecret else {
            throw ZMTPError(.unexpectedCommand, "WELCOME arrived before HELLO was sent")
        }
        let welcome = try CurveHandshake.parseWelcome(data, serverKey: serverKey, clientTransientSecret: transientSecret)
        let key = transientSecret.withUnsafeBytes {
            Sodium.precompute(publicKey: welcome.serverTransient, secretKey: $0)
        }
        guard let key else {
            throw ZMTPError(.cryptographic, "cannot precompute the session key: the server's transient key is unusable")
        }
        let initiate = try CurveHandshake.initiate(
            cookie: welcome.cookie, clientKey: publicKey, clientSecret: secretKey, clientTransient: transientKey,
            clientTransientSecret: transientSecret, serverKey: serverKey, serverTransient: welcome.serverTransient,
            vouchNonce: randomness.longNonce(), nonce: 2, metadata: context.localMetadata
        )
        // c' is no longer needed: dropping the last reference wipes it.
        self.transientSecret = nil
        sessionKey = key
        state = .expectingReady
        return HandshakeStep(commands: [initiate])
    }

    private mutating func ready(_ data: [UInt8]) throws(ZMTPError) {
        guard let sessionKey else { throw ZMTPError(.unexpectedCommand, "READY arrived before WELCOME") }
        let (nonce, metadata) = try CurveHandshake.parseReady(data, sessionKey: sessionKey)
        peer = try context.peerProperties(from: metadata)
        session = CurveSession(
            sessionKey: sessionKey, isServer: false, nextNonce: 3, lastPeerNonce: nonce, maxMessageSize: maxMessageSize
        )
        state = .complete
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

    /// Opens a MESSAGE from the server: a whole message, a command, or `nil` for a frame that is not the last.
    ///
    /// - Throws: ``ZMTPError/Category/unexpectedCommand`` before the handshake is complete; the errors of
    ///   ``CurveSession/decode(_:)``.
    public mutating func decode(_ item: ZMTPItem) throws(ZMTPError) -> ZMTPItem? {
        guard session != nil else { throw ZMTPError(.unexpectedCommand, "data before the CURVE handshake completed") }
        return try session?.decode(item) ?? nil
    }
}
