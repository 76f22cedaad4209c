/// PUSH: load-balances whole messages over peers with room; blocks when none has room.
final class PushPattern: Pattern {
    @exclusivity(unchecked) private var balancer = LoadBalancer()

    override var drainsInbound: Bool { false }
    override func attach(_ pipe: MessagePipe) { balancer.attach(pipe) }
    override func detach(_ pipe: MessagePipe) { balancer.remove(pipe) }
    override func writeActivated(_ pipe: MessagePipe) { balancer.activated(pipe) }

    override func send(_ message: inout Message) throws(VTXError) -> Bool {
        balancer.send(&message) != nil
    }

    override var hasOut: Bool { balancer.hasOut() }
}

/// PULL: fair-queues whole messages from its peers.
final class PullPattern: Pattern {
    @exclusivity(unchecked) private var queue = FairQueue()

    override func attach(_ pipe: MessagePipe) { queue.attach(pipe) }
    override func detach(_ pipe: MessagePipe) { queue.remove(pipe) }
    override func readActivated(_ pipe: MessagePipe) { queue.activated(pipe) }

    override func receive() throws(VTXError) -> Message? {
        receiveMessage(from: &queue)
    }

    override var hasIn: Bool { hasIn(&queue) }
}
