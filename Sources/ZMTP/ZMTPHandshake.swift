import NIOCore
import VTXCore

/// The opening of one ZMTP connection, without I/O: the greeting exchange and the mechanism's handshake, up to
/// the point where data may flow.
///
/// An engine writes ``greeting`` first, then gives every read to ``receive(_:)`` and carries out what it returns:
/// writes the commands as plain command frames, asks ZAP when told to (and hands the outcome to
/// ``resume(with:)``), closes on a failure. While a ZAP request is outstanding, bytes from the peer are kept, not
/// processed. Once ``isComplete``, the bytes after the handshake are left in the buffer given to
/// ``receive(_:)`` (or in ``takeLeftover()`` after ``resume(with:)``), and the engine goes on with ``mechanism``
/// and ``decoder``.
public struct ZMTPHandshake: Sendable {
    /// What the engine must do after a call.
    public struct Output: Sendable {
        /// Commands to write, in order, as plain ZMTP command frames.
        public var commands: [Command] = []
        /// A ZAP request to make; give its outcome to ``ZMTPHandshake/resume(with:)``.
        public var authenticate: ZAPRequest?
        /// The error that ends the connection once ``commands`` are written.
        public var failure: ZMTPError?

        mutating func add(_ step: HandshakeStep) {
            commands.append(contentsOf: step.commands)
            if let request = step.authenticate { authenticate = request }
            if let failure = step.failure { self.failure = failure }
        }

        mutating func add(_ other: Output) {
            commands.append(contentsOf: other.commands)
            if let request = other.authenticate { authenticate = request }
            if let failure = other.failure { self.failure = failure }
        }
    }

    /// The mechanism; after the handshake it encodes and decodes frames (``Mechanism/passesFramesThrough``).
    public private(set) var mechanism: any Mechanism
    /// The frame decoder, which the engine takes over after the handshake (it then accepts data frames).
    public private(set) var decoder: FrameDecoder
    /// The peer's greeting, once it has arrived.
    public private(set) var peerGreeting: Greeting?
    /// Whether a ZAP request is outstanding.
    public private(set) var isAwaitingAuthentication = false
    private var greetingDecoder: GreetingDecoder
    private var started = false
    private var kept: ByteBuffer?

    /// Makes the opening for a connection using `mechanism`, refusing frames above `maxMessageSize` bytes.
    public init(mechanism: any Mechanism, maxMessageSize: Int?) {
        self.mechanism = mechanism
        self.greetingDecoder = GreetingDecoder(expecting: mechanism.name)
        self.decoder = FrameDecoder(maxMessageSize: maxMessageSize, acceptsDataFrames: false)
        decoder.unparsedCommands = mechanism.unparsedCommands
    }

    /// Our greeting: ZMTP 3.1 with the mechanism's name and role. Send all 64 bytes at once (libzmq waits for our
    /// first 11 bytes before it sends the rest of its own).
    public var greeting: Greeting { mechanism.greeting }

    /// Whether data may flow: the mechanism's handshake is complete.
    public var isComplete: Bool { mechanism.isComplete }

    /// Reads handshake bytes from `buffer`, leaving in it only what follows a completed handshake.
    ///
    /// A step that fails after earlier steps of the same call produced commands comes back as the output's
    /// ``Output/failure``, so that those commands are still written (libzmq too sends its READY before it closes
    /// on an incompatible socket type).
    ///
    /// - Throws: a ``ZMTPError`` for a bad greeting or a failed handshake step with nothing to send first; the
    ///   connection must close.
    public mutating func receive(_ buffer: inout ByteBuffer) throws(ZMTPError) -> Output {
        var output = Output()
        do throws(ZMTPError) {
            try receive(&buffer, into: &output)
        } catch {
            // What was already due goes out first (our READY, say), then the connection closes.
            guard !output.commands.isEmpty else { throw error }
            output.failure = error
        }
        return output
    }

    private mutating func receive(_ buffer: inout ByteBuffer, into output: inout Output) throws(ZMTPError) {
        if isAwaitingAuthentication {
            try keep(&buffer)
            return
        }
        if peerGreeting == nil {
            guard let greeting = try greetingDecoder.decode(&buffer) else { return }
            peerGreeting = greeting
        }
        if !started {
            started = true
            output.add(try mechanism.start())
            if try settle(&output, rest: &buffer) { return }
        }
        while !mechanism.isComplete, let item = try decoder.next(&buffer) {
            output.add(try mechanism.process(item))
            if try settle(&output, rest: &buffer) { return }
        }
        if mechanism.isComplete { decoder.acceptsDataFrames = true }
    }

    /// Goes on after the outstanding ZAP request has an outcome, then processes what the peer sent meanwhile.
    ///
    /// - Throws: a ``ZMTPError`` for a failed handshake step; the connection must close.
    public mutating func resume(with outcome: ZAPOutcome) throws(ZMTPError) -> Output {
        var output = Output()
        guard isAwaitingAuthentication else { return output }
        isAwaitingAuthentication = false
        output.add(try mechanism.resume(with: outcome))
        var rest = kept ?? ByteBuffer()
        kept = nil
        if try settle(&output, rest: &rest) { return output }
        output.add(try receive(&rest))
        if rest.readableBytes > 0 { try keep(&rest) }
        return output
    }

    /// The bytes after the handshake that arrived while ZAP was asked, for the engine to deliver; `nil` for none.
    public mutating func takeLeftover() -> ByteBuffer? {
        defer { kept = nil }
        return kept
    }

    /// Whether the step just added stops processing: a failure, or a ZAP request (the rest of `buffer` is kept).
    private mutating func settle(_ output: inout Output, rest buffer: inout ByteBuffer) throws(ZMTPError) -> Bool {
        if output.failure != nil { return true }
        guard output.authenticate != nil, !isAwaitingAuthentication else { return false }
        isAwaitingAuthentication = true
        try keep(&buffer)
        return true
    }

    /// Keeps bytes that arrive while a ZAP request is outstanding, up to ``FrameDecoder/maxHandshakeCommandSize``:
    /// a peer has nothing to send until it hears our answer (libzmq sends no data before both READYs), so more is
    /// refused rather than held.
    private mutating func keep(_ buffer: inout ByteBuffer) throws(ZMTPError) {
        guard buffer.readableBytes > 0 else { return }
        let total = (kept?.readableBytes ?? 0) + buffer.readableBytes
        guard total <= FrameDecoder.maxHandshakeCommandSize else {
            throw ZMTPError(
                .unexpectedCommand,
                "the peer sent \(total) bytes while its handshake waited for authentication, more than the "
                    + "\(FrameDecoder.maxHandshakeCommandSize) a handshake may hold"
            )
        }
        if kept == nil { kept = buffer } else { kept!.writeBuffer(&buffer) }
        buffer.moveReaderIndex(to: buffer.writerIndex)
    }
}
