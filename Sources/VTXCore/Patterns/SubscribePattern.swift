/// SUB and XSUB: fair-queue from publishers and send subscriptions upstream. SUB also filters locally; XSUB
/// sends subscriptions (`0x01`+topic, `0x00`+topic) and other messages as the application writes them.
final class SubscribePattern: Pattern {
    private let extended: Bool
    private var queue = FairQueue()
    private var upstream = Distributor()
    private var subscriptions = SubscriptionTrie()
    private var prefetched: Message?

    init(extended: Bool) {
        self.extended = extended
        super.init()
    }

    override func attach(_ pipe: MessagePipe) {
        queue.attach(pipe)
        upstream.attach(pipe)
        sendSubscriptions(to: pipe)
    }

    /// A reconnected publisher starts with no subscriptions: send them all again.
    override func peerReconnected(_ pipe: MessagePipe) {
        sendSubscriptions(to: pipe)
    }

    /// A new publisher learns every current subscription.
    private func sendSubscriptions(to pipe: MessagePipe) {
        var sent = false
        for prefix in subscriptions.distinctPrefixes where pipe.write(PublishPattern.notification(subscribe: true, prefix)) {
            sent = true
        }
        if sent { pipe.flush() }
    }

    override func detach(_ pipe: MessagePipe) {
        queue.remove(pipe)
        upstream.remove(pipe)
    }

    override func readActivated(_ pipe: MessagePipe) { queue.activated(pipe) }

    override func subscribe(_ prefix: Frame) throws(VTXError) {
        guard !extended else { return try super.subscribe(prefix) }
        subscriptions.add(prefix)
        upstream.sendToAll(PublishPattern.notification(subscribe: true, prefix))
    }

    override func unsubscribe(_ prefix: Frame) throws(VTXError) {
        guard !extended else { return try super.unsubscribe(prefix) }
        if subscriptions.remove(prefix) {
            upstream.sendToAll(PublishPattern.notification(subscribe: false, prefix))
        }
    }

    override func send(_ message: inout Message) throws(VTXError) -> Bool {
        guard extended else { return try super.send(&message) }
        let first = message[0]
        if message.count == 1, first.first == 1 {
            subscriptions.add(first.dropFirst())
            upstream.sendToAll(message)
        } else if message.count == 1, first.first == 0 {
            if subscriptions.remove(first.dropFirst()) { upstream.sendToAll(message) }
        } else {
            upstream.sendToAll(message)
        }
        return true
    }

    private func matches(_ message: Message) -> Bool {
        subscriptions.matches(message[0]) != socket.options.invertMatching
    }

    override func receive() throws(VTXError) -> Message? {
        if let message = prefetched {
            prefetched = nil
            return message
        }
        while let message = receiveMessage(from: &queue) {
            if extended || matches(message) { return message }
        }
        return nil
    }

    override var hasIn: Bool {
        if prefetched != nil { return true }
        guard let message = try? receive() else { return false }
        prefetched = message
        return true
    }

    override var hasOut: Bool { extended }
}
