import NIOCore
import VTXCore

/// A subscription or its cancellation, convertible between its three forms:
/// - VTX's internal form, as SUB/XSUB/PUB/XPUB carry it inside pipes: a one-frame message `0x01`+topic
///   (subscribe) or `0x00`+topic (cancel), libzmq's internal form too;
/// - ZMTP 3.0's wire form, which is the same one-frame message sent as a data frame;
/// - ZMTP 3.1's wire form, the `SUBSCRIBE` and `CANCEL` commands.
public struct Subscription: Sendable, Hashable {
    /// Whether this subscribes (true) or cancels a subscription (false).
    public var isSubscribe: Bool
    /// The topic: the prefix of the messages subscribed to; empty for all messages.
    public var topic: Frame

    /// Makes a subscription (`isSubscribe` true) or cancellation of `topic`.
    public init(isSubscribe: Bool, topic: Frame) {
        self.isSubscribe = isSubscribe
        self.topic = topic
    }

    /// Reads a message in the internal (and ZMTP 3.0) form; `nil` when it is not one frame starting with
    /// `0x01` or `0x00`.
    public init?(message: Message) {
        guard let kind = Subscription.kind(of: message) else { return nil }
        self.init(isSubscribe: kind, topic: message[0].dropFirst())
    }

    /// Reads a ZMTP 3.1 `SUBSCRIBE` or `CANCEL` command; `nil` for any other command.
    public init?(command: Command) {
        switch command {
        case .subscribe(let topic): self.init(isSubscribe: true, topic: topic)
        case .cancel(let topic): self.init(isSubscribe: false, topic: topic)
        default: return nil
        }
    }

    /// The internal form, which is also what a ZMTP 3.0 peer expects as a data frame.
    public var message: Message {
        let body = topic.withUnsafeBytes { topic in
            Frame(count: topic.count + 1) { target in
                target[0] = isSubscribe ? 0x01 : 0x00
                if topic.count > 0 {
                    UnsafeMutableRawBufferPointer(rebasing: target[1...]).copyMemory(from: topic)
                }
            }
        }
        return Message(body)
    }

    /// The ZMTP 3.1 command: `SUBSCRIBE` or `CANCEL` with the topic.
    public var command: Command {
        isSubscribe ? .subscribe(topic: topic) : .cancel(topic: topic)
    }

    /// Whether `message` is a subscription (true), a cancellation (false), or neither (`nil`), without copying it.
    public static func kind(of message: Message) -> Bool? {
        guard message.count == 1, let first = message[0].first, first <= 0x01 else { return nil }
        return first == 0x01
    }
}
