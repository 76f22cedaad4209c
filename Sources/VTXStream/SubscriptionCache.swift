import VTXCore
import ZMTP

/// The subscriptions a SUB or XSUB has sent through a connect's pipe, so that a reconnection can send them
/// again (libzmq re-sends a subscriber's subscriptions after every reconnect). Confined to the driver's loop.
final class SubscriptionCache {
    private var topics: [Frame] = []

    /// Notes a message the socket sent: subscriptions are added, cancels removed, anything else ignored.
    func record(_ message: Message) {
        guard let subscription = Subscription(message: message) else { return }
        if subscription.isSubscribe {
            if !topics.contains(subscription.topic) { topics.append(subscription.topic.detached()) }
        } else {
            topics.removeAll { $0 == subscription.topic }
        }
    }

    /// The subscription messages to replay on a new connection, in the order first made.
    var replay: [Message] {
        topics.map { Subscription(isSubscribe: true, topic: $0).message }
    }
}
