import NIOCore
import VTXCore

/// The server side of the PLAIN mechanism (RFC 24): reads the client's user name and password from HELLO, asks
/// the ZAP handler (mechanism `PLAIN`, credentials user name and password), answers WELCOME when it admits the
/// client and ERROR with the status code when it refuses (nothing for 300), then takes INITIATE and answers READY.
/// ERROR goes out spelt as libzmq 4.3's PLAIN server spells it (``Command/libzmqPlainError(reason:)``), so that a
/// libzmq client reports the refusal as an authentication failure with its status code.
///
/// As in libzmq, a PLAIN server without a ZAP handler refuses every client: it has no way to check a password.
public struct PlainServerMechanism: Mechanism {
    private enum State {
        case expectHello
        case authenticating
        case expectInitiate
        case complete
    }

    /// Our socket, and the ZAP request fields.
    public let context: HandshakeContext
    /// What the client's INITIATE said (and what ZAP gave it), once the handshake is complete.
    public private(set) var peer: PeerProperties?
    private var state = State.expectHello
    private var username = ""
    private var authentication: (userId: String?, properties: Metadata) = (nil, [])

    /// Makes the server side for a socket described by `context`.
    public init(context: HandshakeContext) {
        self.context = context
    }

    /// `PLAIN`.
    public var name: MechanismName { .plain }

    /// True: this is the server.
    public var isServer: Bool { true }

    /// Whether READY has been sent.
    public var isComplete: Bool { state == .complete }

    /// Waits for HELLO. Never throws.
    public mutating func start() throws(ZMTPError) -> HandshakeStep { HandshakeStep() }

    /// Takes HELLO (asking ZAP) and INITIATE (answering READY).
    ///
    /// - Throws: ``ZMTPError/Category/malformedCommand`` for a HELLO whose lengths do not add up exactly, or
    ///   malformed INITIATE metadata; ``ZMTPError/Category/unexpectedCommand`` for anything out of order; metadata
    ///   errors from INITIATE (``PeerProperties/init(validating:for:)``).
    public mutating func process(_ item: ZMTPItem) throws(ZMTPError) -> HandshakeStep {
        switch (state, item) {
        case (.expectHello, .command(.other(PlainCommand.hello, let data))):
            var body = data.byteBuffer()
            guard let userLength = body.readInteger(as: UInt8.self),
                let user = body.readSlice(length: Int(userLength)),
                let passwordLength = body.readInteger(as: UInt8.self),
                let password = body.readSlice(length: Int(passwordLength))
            else {
                throw ZMTPError.malformed(PlainCommand.hello, "the user name and password lengths run past the end")
            }
            guard body.readableBytes == 0 else {
                throw ZMTPError.malformed(PlainCommand.hello, "\(body.readableBytes) bytes follow the password")
            }
            username = String(decoding: user.readableBytesView, as: UTF8.self)
            state = .authenticating
            return HandshakeStep(
                authenticate: context.zapRequest(mechanism: .plain, credentials: [Frame(user), Frame(password)])
            )
        case (.expectInitiate, .command(.other(PlainCommand.initiate, let data))):
            let metadata = try Metadata(parsing: data.byteBuffer(), command: PlainCommand.initiate)
            peer = try context.peerProperties(
                from: metadata,
                userId: authentication.userId,
                authenticated: authentication.properties
            )
            state = .complete
            return HandshakeStep(commands: [.ready(context.localMetadata)])
        case (_, .command(.error(let reason))):
            throw ZMTPError(.peerError, "the PLAIN client sent ERROR \"\(reason)\"", peerReason: reason)
        case (_, .message):
            throw ZMTPError(.unexpectedCommand, "a data frame arrived during the PLAIN handshake")
        case (_, .command(let command)):
            throw ZMTPError(.unexpectedCommand, "unexpected \(command.name) command during the PLAIN handshake")
        }
    }

    /// Answers WELCOME when ZAP admits the client; otherwise the refusal's step (ERROR for 400 and 500).
    ///
    /// - Throws: ``ZMTPError/Category/unexpectedCommand`` when no ZAP request is outstanding.
    public mutating func resume(with outcome: ZAPOutcome) throws(ZMTPError) -> HandshakeStep {
        guard state == .authenticating else {
            throw ZMTPError(.unexpectedCommand, "a ZAP outcome arrived with no PLAIN request outstanding")
        }
        let who = "\(context.peerDescription) (user \"\(username)\")"
        switch outcome.judge(mechanism: .plain, admitsWithoutHandler: false, peer: who) {
        case .admitted(let userId, let properties):
            authentication = (userId, properties)
            state = .expectInitiate
            return HandshakeStep(commands: [.other(name: PlainCommand.welcome, data: Frame())])
        case .refused(var step):
            // libzmq PLAIN clients recognise only libzmq's own spelling of ERROR.
            step.commands = step.commands.map { command in
                if case .error(let reason) = command { return .libzmqPlainError(reason: reason) }
                return command
            }
            return step
        }
    }
}
