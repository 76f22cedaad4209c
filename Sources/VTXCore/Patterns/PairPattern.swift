/// PAIR: exactly one peer; later peers are refused while it is attached.
final class PairPattern: Pattern {
    private var peer: MessagePipe?

    override func attach(_ pipe: MessagePipe) {
        if peer != nil {
            socket.detach(pipe)
            return
        }
        peer = pipe
    }

    override func detach(_ pipe: MessagePipe) {
        if pipe === peer { peer = nil }
    }

    override func send(_ message: inout Message) throws(VTXError) -> Bool {
        peer?.writeAndFlush(moving: &message) ?? false
    }

    override func receive() throws(VTXError) -> Message? {
        guard let peer else { return nil }
        if var message = peer.read() {
            if let metadata = peer.metadata { message.metadata = metadata }
            return message
        }
        if peer.isPeerClosed { socket.detach(peer) }
        return nil
    }

    override var hasIn: Bool {
        guard let peer else { return false }
        if peer.checkRead() { return true }
        if peer.isPeerClosed { socket.detach(peer) }
        return false
    }

    override var hasOut: Bool { peer?.checkWrite() ?? false }
}
