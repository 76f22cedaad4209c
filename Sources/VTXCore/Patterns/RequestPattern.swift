/// REQ: a DEALER that adds the empty delimiter (and, with `requestCorrelate`, a request id), sends in lock-step
/// and accepts only the reply from the peer it asked.
final class RequestPattern: DealerPattern {
    private var awaitingReply = false
    private var replyPipe: MessagePipe?
    private var requestId = UInt32.random(in: .min ... .max)

    override func detach(_ pipe: MessagePipe) {
        super.detach(pipe)
        // libzmq: when the asked peer goes away, a reply is then accepted from any peer.
        if pipe === replyPipe { replyPipe = nil }
    }

    override func send(_ message: inout Message) throws(VTXError) -> Bool {
        if awaitingReply {
            guard socket.options.requestRelaxed else {
                throw VTXError(.invalidState, "a REQ socket must receive the reply before sending another request")
            }
        }
        // Discard replies already queued: they answer an older request.
        while receiveMessage(from: &queue) != nil {}
        var request = message
        request.prepend(Frame())
        var nextId = requestId
        if socket.options.requestCorrelate {
            nextId &+= 1
            request.prepend(withUnsafeBytes(of: nextId) { Frame(copying: $0) })
        }
        guard let pipe = balancer.send(&request) else { return false }
        requestId = nextId
        replyPipe = pipe.takeUnretainedValue()
        awaitingReply = true
        return true
    }

    override func receive() throws(VTXError) -> Message? {
        guard awaitingReply else {
            throw VTXError(.invalidState, "a REQ socket must send a request before receiving")
        }
        var body = Message()
        while let pipe = receive(from: &queue, into: &body) {
            if let replyPipe, pipe.takeUnretainedValue() !== replyPipe { continue }
            if socket.options.requestCorrelate {
                let expected = withUnsafeBytes(of: requestId) { Frame(copying: $0) }
                guard body.popFirst() == expected else { continue }
            }
            guard body.count >= 2, body.popFirst()?.isEmpty == true else { continue }
            awaitingReply = false
            replyPipe = nil
            return body
        }
        return nil
    }

    override var hasIn: Bool { awaitingReply && super.hasIn }
    override var hasOut: Bool { (!awaitingReply || socket.options.requestRelaxed) && super.hasOut }
}
