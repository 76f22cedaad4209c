import VTXCore

/// What ``FrameDecoder`` yields: a whole data message or a command.
public enum ZMTPItem: Sendable, Equatable {
    /// A whole message: every frame up to and including the first one without MORE.
    case message(Message)
    /// A command frame, parsed.
    case command(Command)
}
