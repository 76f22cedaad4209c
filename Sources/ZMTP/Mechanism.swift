import NIOCore
import VTXCore

/// What an engine does after one step of a security handshake.
///
/// In this order: send ``commands`` as plain ZMTP command frames (never through ``Mechanism/encode(_:into:)-(Command,_)``);
/// if ``authenticate`` is set, ask the ZAP handler and give the outcome to ``Mechanism/resume(with:)``, processing
/// nothing else from the peer meanwhile; if ``failure`` is set, close the connection with that error once the
/// commands are written.
public struct HandshakeStep: Sendable {
    /// The commands to send now.
    public var commands: [Command]
    /// A ZAP request to make before the handshake goes on.
    public var authenticate: ZAPRequest?
    /// The error that ends the connection after ``commands`` (a refused authentication, say).
    public var failure: ZMTPError?

    /// Makes a step.
    public init(commands: [Command] = [], authenticate: ZAPRequest? = nil, failure: ZMTPError? = nil) {
        self.commands = commands
        self.authenticate = authenticate
        self.failure = failure
    }
}

/// A ZMTP security mechanism: the seam where NULL, PLAIN and CURVE plug into an engine. Pure: it does no I/O.
///
/// An engine drives it like this (``ZMTPHandshake`` does the first three steps):
/// 1. send ``greeting``'s bytes at once, and read the peer's greeting with a ``GreetingDecoder`` expecting ``name``;
/// 2. carry out the ``HandshakeStep`` that ``start()`` returns;
/// 3. give every item the ``FrameDecoder`` yields to ``process(_:)``, and carry out each step, until
///    ``isComplete``; send **no** data before that (libzmq closes the connection otherwise);
/// 4. then read ``peer``. When ``passesFramesThrough`` (NULL, PLAIN) frames travel as plain ZMTP and the engine
///    may use its fast paths; otherwise (CURVE) every outgoing message and command goes through
///    ``encode(_:into:)-(Message,_)`` and ``encode(_:into:)-(Command,_)``, and every incoming item through
///    ``decode(_:)``.
public protocol Mechanism: Sendable {
    /// The mechanism's name in the greeting.
    var name: MechanismName { get }
    /// Whether this side is the mechanism's server (PLAIN/CURVE); false for NULL. Goes in the greeting's as-server
    /// byte, which libzmq ignores.
    var isServer: Bool { get }
    /// Whether the handshake is complete: data may flow in both directions.
    var isComplete: Bool { get }
    /// What the handshake established about the peer; `nil` until ``isComplete``.
    var peer: PeerProperties? { get }
    /// Whether, after the handshake, frames travel unchanged (NULL, PLAIN), so that ``encode(_:into:)-(Message,_)``
    /// and ``decode(_:)`` need not be called. True by default.
    var passesFramesThrough: Bool { get }
    /// Names of handshake commands whose bodies the ``FrameDecoder`` must not parse but hand over as
    /// ``Command/other(name:data:)`` (CURVE's READY, which is boxed). Empty by default.
    var unparsedCommands: Set<String> { get }

    /// Begins the handshake after the greetings.
    ///
    /// - Throws: a ``ZMTPError`` when the mechanism cannot start (missing keys, say).
    mutating func start() throws(ZMTPError) -> HandshakeStep

    /// Handles one item from the peer during the handshake.
    ///
    /// - Throws: a ``ZMTPError`` that ends the connection: unexpected commands or data, malformed commands or
    ///   metadata, boxes that do not open, incompatible socket types, the peer's ERROR.
    mutating func process(_ item: ZMTPItem) throws(ZMTPError) -> HandshakeStep

    /// Goes on after the ZAP request of the last step has an outcome.
    ///
    /// - Throws: a ``ZMTPError`` that ends the connection; by default ``ZMTPError/Category/unexpectedCommand``,
    ///   for mechanisms that never ask.
    mutating func resume(with outcome: ZAPOutcome) throws(ZMTPError) -> HandshakeStep

    /// After the handshake, appends `message` to `buffer` in this mechanism's wire form.
    ///
    /// - Throws: a ``ZMTPError`` when the message cannot be encoded (encryption failure).
    mutating func encode(_ message: Message, into buffer: inout ByteBuffer) throws(ZMTPError)

    /// After the handshake, appends `command` (PING, PONG, SUBSCRIBE, CANCEL) to `buffer` in this mechanism's wire form.
    ///
    /// - Throws: a ``ZMTPError`` when the command cannot be encoded (encryption failure).
    mutating func encode(_ command: Command, into buffer: inout ByteBuffer) throws(ZMTPError)

    /// After the handshake, turns an item from the ``FrameDecoder`` into what the peer meant, or `nil` when it
    /// carries nothing for the engine yet (part of a message a mechanism re-assembles).
    ///
    /// - Throws: a ``ZMTPError`` that ends the connection (a box that fails to open, a replayed nonce).
    mutating func decode(_ item: ZMTPItem) throws(ZMTPError) -> ZMTPItem?
}

extension Mechanism {
    /// The greeting this side sends: ZMTP 3.1, this mechanism's name and server role.
    public var greeting: Greeting { Greeting(mechanism: name, asServer: isServer) }

    /// Not a server: the default for mechanisms without roles.
    public var isServer: Bool { false }

    /// Frames pass through unchanged: the default for mechanisms that do not encrypt.
    public var passesFramesThrough: Bool { true }

    /// None: every command is parsed.
    public var unparsedCommands: Set<String> { [] }

    /// Refuses: the mechanism never asks for authentication.
    public mutating func resume(with outcome: ZAPOutcome) throws(ZMTPError) -> HandshakeStep {
        throw ZMTPError(.unexpectedCommand, "the \(name) mechanism asked for no authentication")
    }

    /// Plain ZMTP framing (``FrameEncoder``). Never throws.
    public mutating func encode(_ message: Message, into buffer: inout ByteBuffer) throws(ZMTPError) {
        FrameEncoder.encode(message, into: &buffer)
    }

    /// Plain ZMTP framing (``FrameEncoder``). Never throws.
    public mutating func encode(_ command: Command, into buffer: inout ByteBuffer) throws(ZMTPError) {
        FrameEncoder.encode(command, into: &buffer)
    }

    /// The item unchanged. Never throws.
    public mutating func decode(_ item: ZMTPItem) throws(ZMTPError) -> ZMTPItem? {
        item
    }
}
