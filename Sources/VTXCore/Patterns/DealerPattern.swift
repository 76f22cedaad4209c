/// DEALER: load-balances out, fair-queues in, no envelopes.
class DealerPattern: Pattern {
    @exclusivity(unchecked) var balancer = LoadBalancer()
    @exclusivity(unchecked) var queue = FairQueue()

    override func attach(_ pipe: MessagePipe) {
        if socket.options.probeRouter {
            _ = pipe.write(Message(Frame()))
            pipe.flush()
        }
        balancer.attach(pipe)
        queue.attach(pipe)
    }

    override func detach(_ pipe: MessagePipe) {
        balancer.remove(pipe)
        queue.remove(pipe)
    }

    override func readActivated(_ pipe: MessagePipe) { queue.activated(pipe) }
    override func writeActivated(_ pipe: MessagePipe) { balancer.activated(pipe) }

    override func send(_ message: inout Message) throws(VTXError) -> Bool {
        balancer.send(&message) != nil
    }

    override func receive() throws(VTXError) -> Message? {
        receiveMessage(from: &queue)
    }

    override var hasIn: Bool { hasIn(&queue) }
    override var hasOut: Bool { balancer.hasOut() }
}
