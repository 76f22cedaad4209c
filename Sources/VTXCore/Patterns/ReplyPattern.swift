/// REP: fair-queues requests, strips and keeps their envelope, and sends the reply back along it.
final class ReplyPattern: Pattern {
    @exclusivity(unchecked) private var queue = FairQueue()
    private var sendingReply = false
    private var envelope = Message()
    private var replyPipe: MessagePipe?

    override func attach(_ pipe: MessagePipe) { queue.attach(pipe) }

    override func detach(_ pipe: MessagePipe) {
        queue.remove(pipe)
        if pipe === replyPipe { replyPipe = nil }
    }

    override func readActivated(_ pipe: MessagePipe) { queue.activated(pipe) }

    override func receive() throws(VTXError) -> Message? {
        guard !sendingReply else {
            throw VTXError(.invalidState, "a REP socket must send the reply before receiving another request")
        }
        var request = Message()
        while let pipe = receive(from: &queue, into: &request) {
            // The envelope is every frame up to and including the first empty one; a request without one, or
            // with nothing after it, is malformed and silently dropped (libzmq).
            guard let delimiter = request.firstEmptyFrameIndex, delimiter < request.count - 1 else {
                continue
            }
            envelope = request.removeFirst(delimiter + 1)
            replyPipe = pipe.takeUnretainedValue()
            sendingReply = true
            return request
        }
        return nil
    }

    override func send(_ message: inout Message) throws(VTXError) -> Bool {
        guard sendingReply else {
            throw VTXError(.invalidState, "a REP socket must receive a request before sending a reply")
        }
        // The envelope and the reply's frames are moved, not copied: REP always takes the message it is given.
        var reply = Message()
        swap(&reply, &envelope)
        reply.metadata = nil
        reply.append(movingFramesOf: &message)
        // A reply to a peer that has gone, or is full, is dropped: REP never blocks on send.
        if let replyPipe, replyPipe.write(moving: &reply) {
            replyPipe.flush()
        } else {
            socket.counters.messagesDropped &+= 1
        }
        sendingReply = false
        replyPipe = nil
        return true
    }

    override var hasIn: Bool { !sendingReply && hasIn(&queue) }
    override var hasOut: Bool { sendingReply }
}
