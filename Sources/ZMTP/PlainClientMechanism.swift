import NIOCore
import VTXCore

/// The client side of the PLAIN mechanism (RFC 24): sends HELLO with a user name and password in clear text,
/// waits for WELCOME, sends INITIATE with its metadata, and is done when the server's READY arrives. A server that
/// refuses answers ERROR with the ZAP status code (libzmq 4.3.0–4.3.5 spell it `^RROR`; both spellings are read).
///
/// PLAIN authenticates but does not encrypt: frames travel as with NULL.
public struct PlainClientMechanism: Mechanism {
    private enum State {
        case start
        case expectWelcome
        case expectReady
        case complete
    }

    /// Our socket.
    public let context: HandshakeContext
    /// The user name sent in HELLO.
    public let username: String
    /// The password sent in HELLO.
    public let password: String
    /// What the server's READY said, once it has arrived.
    public private(set) var peer: PeerProperties?
    private var state = State.start

    /// Makes a client that sends `username` and `password`.
    ///
    /// - Throws: ``ZMTPError/Category/invalidMetadata`` when either is longer than 255 bytes (HELLO has one
    ///   length byte for each).
    public init(username: String, password: String, context: HandshakeContext) throws(ZMTPError) {
        guard username.utf8.count <= 255, password.utf8.count <= 255 else {
            throw ZMTPError(.invalidMetadata, "a PLAIN user name and password are at most 255 bytes each")
        }
        self.username = username
        self.password = password
        self.context = context
    }

    /// `PLAIN`.
    public var name: MechanismName { .plain }

    /// Whether the server's READY has arrived.
    public var isComplete: Bool { state == .complete }

    /// Returns HELLO. Never throws.
    public mutating func start() throws(ZMTPError) -> HandshakeStep {
        guard state == .start else { return HandshakeStep() }
        state = .expectWelcome
        var data = ByteBuffer()
        data.writeInteger(UInt8(username.utf8.count))
        data.writeString(username)
        data.writeInteger(UInt8(password.utf8.count))
        data.writeString(password)
        return HandshakeStep(commands: [.other(name: PlainCommand.hello, data: Frame(data))])
    }

    /// Answers WELCOME with INITIATE, and takes READY.
    ///
    /// - Throws: ``ZMTPError/Category/peerError`` for the server's ERROR (a refused authentication; the ZAP status
    ///   code is its reason); ``ZMTPError/Category/malformedCommand`` for a WELCOME with a body;
    ///   ``ZMTPError/Category/unexpectedCommand`` for anything out of order; metadata errors from the READY.
    public mutating func process(_ item: ZMTPItem) throws(ZMTPError) -> HandshakeStep {
        switch (state, item) {
        case (.expectWelcome, .command(.other(PlainCommand.welcome, let data))):
            guard data.isEmpty else {
                throw ZMTPError.malformed(PlainCommand.welcome, "WELCOME has \(data.count) bytes after its name, not 0")
            }
            state = .expectReady
            var metadata = ByteBuffer()
            context.localMetadata.write(to: &metadata)
            return HandshakeStep(commands: [.other(name: PlainCommand.initiate, data: Frame(metadata))])
        case (.expectReady, .command(.ready(let metadata))):
            peer = try context.peerProperties(from: metadata)
            state = .complete
            return HandshakeStep()
        case (.expectWelcome, .command(.error(let reason))), (.expectReady, .command(.error(let reason))):
            throw ZMTPError(
                .peerError,
                "the PLAIN server refused user \"\(username)\" with ERROR \"\(reason)\"",
                peerReason: reason
            )
        case (_, .message):
            throw ZMTPError(.unexpectedCommand, "a data frame arrived during the PLAIN handshake")
        case (_, .command(let command)):
            throw ZMTPError(.unexpectedCommand, "unexpected \(command.name) command during the PLAIN handshake")
        }
    }
}

/// The names of PLAIN's own commands.
enum PlainCommand {
    static let hello = "HELLO"
    static let welcome = "WELCOME"
    static let initiate = "INITIATE"
}
