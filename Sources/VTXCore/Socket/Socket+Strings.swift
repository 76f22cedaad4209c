extension Socket {
    // MARK: Text, one frame

    /// Receives a one-frame message and returns it as text (pyzmq's `recv_string`), waiting as ``receive()-xg6l``.
    ///
    /// The message must be one frame of valid UTF-8 (an empty frame is `""`); anything else is an error, never
    /// a guess. A failed conversion has still taken the message from the socket: call ``receive()-xg6l`` and read
    /// ``Frame/string`` to keep messages that may not be text.
    ///
    /// - Throws: ``VTXError/Code/invalidMessage`` when the message has several frames or is not UTF-8, and the
    ///   errors of ``receive()-xg6l``.
    public func receiveString() throws(VTXError) -> String {
        try Self.string(from: receive())
    }

    /// Receives a one-frame message and returns it as text, suspending as ``receive()-1z28k`` does.
    ///
    /// - Throws: as ``receiveString()-769ku``, and ``VTXError/Code/cancelled`` when the task is cancelled.
    public func receiveString() async throws(VTXError) -> String {
        try await Self.string(from: receive())
    }

    /// Sends a text as a one-frame message of its UTF-8 bytes, suspending as ``send(_:)-2r22t`` does.
    ///
    /// - Throws: as ``send(_:)-2r22t``, and ``VTXError/Code/cancelled`` when the task is cancelled.
    public func send(_ text: some StringProtocol) async throws(VTXError) {
        try await send(Message(Frame(String(text))))
    }

    // MARK: Text, one frame per part

    /// Sends a multipart message with one frame per string, each its UTF-8 bytes (pyzmq's
    /// `send_multipart`), waiting as ``send(_:)-5eylc``.
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` for an empty list, and the errors of ``send(_:)-5eylc``.
    public func send(strings: some Sequence<some StringProtocol>) throws(VTXError) {
        try send(Self.message(strings: strings))
    }

    /// Sends a multipart message with one frame per string, suspending as ``send(_:)-2r22t`` does.
    ///
    /// - Throws: as ``send(strings:)-1pwdy``, and ``VTXError/Code/cancelled`` when the task is cancelled.
    public func send(strings: some Sequence<some StringProtocol>) async throws(VTXError) {
        try await send(Self.message(strings: strings))
    }

    /// Receives a message and returns each frame as text (pyzmq's `recv_multipart` with decoding), waiting as
    /// ``receive()-xg6l``.
    ///
    /// - Throws: ``VTXError/Code/invalidMessage`` when a frame is not UTF-8 (the message has been taken), and the
    ///   errors of ``receive()-xg6l``.
    public func receiveStrings() throws(VTXError) -> [String] {
        try Self.strings(from: receive())
    }

    /// Receives a message and returns each frame as text, suspending as ``receive()-1z28k`` does.
    ///
    /// - Throws: as ``receiveStrings()-6b3ih``, and ``VTXError/Code/cancelled`` when the task is cancelled.
    public func receiveStrings() async throws(VTXError) -> [String] {
        try await Self.strings(from: receive())
    }

    // MARK: Conversions

    static func message(strings: some Sequence<some StringProtocol>) -> Message {
        var message = Message()
        for text in strings { message.append(Frame(String(text))) }
        return message
    }

    static func string(from message: Message) throws(VTXError) -> String {
        guard message.count == 1 else {
            throw VTXError(
                .invalidMessage,
                "expected a one-frame text message, received \(message.count) frames (receiveStrings() reads each)"
            )
        }
        return try text(of: message[0], at: nil)
    }

    static func strings(from message: Message) throws(VTXError) -> [String] {
        var strings: [String] = []
        strings.reserveCapacity(message.count)
        for (index, frame) in message.enumerated() {
            strings.append(try text(of: frame, at: index))
        }
        return strings
    }

    private static func text(of frame: Frame, at index: Int?) throws(VTXError) -> String {
        guard let text = frame.string else {
            let which = index.map { "frame \($0) of the message" } ?? "the message"
            throw VTXError(.invalidMessage, "\(which) is not valid UTF-8 text (\(frame.count) bytes)")
        }
        return text
    }
}
