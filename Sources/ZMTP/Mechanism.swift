import NIOCore
import VTXCore

/// A ZMTP security mechanism as a state machine over commands: the seam where NULL, PLAIN and CURVE plug into an
/// engine.
///
/// An engine drives it like this:
/// 1. send ``greeting``'s bytes at once, and read the peer's greeting with a ``GreetingDecoder`` expecting ``name``;
/// 2. send the commands ``start()`` returns;
/// 3. give every item the ``FrameDecoder`` yields to ``process(_:)`` and send the commands it returns, until
///    ``isComplete``; send **no** data before that (libzmq closes the connection otherwise);
/// 4. then read ``peer``, and pass every outgoing message and command through ``encode(_:into:)-(Message,_)`` and
///    ``encode(_:into:)-(Command,_)``, and every incoming item through ``decode(_:)``. For NULL and PLAIN these
///    are plain ZMTP framing; CURVE overrides them to box each frame in a MESSAGE command.
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

    /// Begins the handshake after the greetings, returning the commands to send first (NULL: our READY).
    ///
    /// - Throws: a ``ZMTPError`` when the mechanism cannot start (missing keys, say).
    mutating func start() throws(ZMTPError) -> [Command]

    /// Handles one item from the peer during the handshake, returning the commands to send in answer.
    ///
    /// - Throws: a ``ZMTPError`` that ends the connection: unexpected commands or data, malformed or invalid
    ///   metadata, incompatible socket types, the peer's ERROR.
    mutating func process(_ item: ZMTPItem) throws(ZMTPError) -> [Command]

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
    /// - Throws: a ``ZMTPError`` that ends the connection (a box that fails to open).
    mutating func decode(_ item: ZMTPItem) throws(ZMTPError) -> ZMTPItem?
}

extension Mechanism {
    /// The greeting this side sends: ZMTP 3.1, this mechanism's name and server role.
    public var greeting: Greeting { Greeting(mechanism: name, asServer: isServer) }

    /// Not a server: the default for mechanisms without roles.
    public var isServer: Bool { false }

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
