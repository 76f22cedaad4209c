import NIOCore
import VTXCore

/// How an engine sends what a socket writes into its pipe, as far as subscriptions go.
///
/// Subscriptions become `SUBSCRIBE`/`CANCEL` commands when the local socket is a SUB or XSUB and the peer speaks
/// ZMTP 3.1 (libzmq ≥ 4.3.3 expects them; libzmq PUB/XPUB accept both forms). Everything else, and every message
/// to a ZMTP 3.0 peer, goes out as data frames unchanged.
public struct SubscriptionEncoding: Sendable, Hashable {
    /// Whether subscription messages are sent as commands.
    public let usesCommands: Bool

    /// Makes the policy for a local socket of `localType` talking to the peer that sent `peerGreeting`.
    public init(localType: SocketType, peerGreeting: Greeting) {
        usesCommands = (localType == .sub || localType == .xsub) && peerGreeting.usesSubscriptionCommands
    }

    /// Makes the policy explicitly.
    public init(usesCommands: Bool) {
        self.usesCommands = usesCommands
    }

    /// What to send for `message`: the `SUBSCRIBE`/`CANCEL` command when it is a subscription and ``usesCommands``,
    /// the message unchanged otherwise. For mechanisms that encode commands and messages differently (CURVE).
    public func translate(_ message: Message) -> ZMTPItem {
        if usesCommands, let subscription = Subscription(message: message) {
            return .command(subscription.command)
        }
        return .message(message)
    }

    /// Appends `message` to `buffer` in plain ZMTP framing, writing a subscription straight from its frame as a
    /// command when ``usesCommands``. Never throws.
    public func encode(_ message: Message, into buffer: inout ByteBuffer) {
        guard usesCommands, let isSubscribe = Subscription.kind(of: message) else {
            FrameEncoder.encode(message, into: &buffer)
            return
        }
        let name = isSubscribe ? CommandName.subscribe : CommandName.cancel
        message[0].withUnsafeBytes { frame in
            let topic = UnsafeRawBufferPointer(rebasing: frame[1...])
            let size = 1 + name.utf8.count + topic.count
            buffer.reserveCapacity(minimumWritableBytes: FrameEncoder.headerSize(forBodySize: size) + size)
            FrameEncoder.writeHeader(flags: .command, bodySize: size, to: &buffer)
            buffer.writeInteger(UInt8(name.utf8.count))
            buffer.writeString(name)
            buffer.writeBytes(topic)
        }
    }

    /// The message the socket's pipe expects for an incoming `SUBSCRIBE` or `CANCEL` command (the internal form);
    /// `nil` for other commands. Data-frame subscriptions from ZMTP 3.0 peers are already in that form.
    public static func message(for command: Command) -> Message? {
        Subscription(command: command)?.message
    }
}
