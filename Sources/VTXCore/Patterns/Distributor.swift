/// Fans a message out to many pipes (libzmq's `dist_t`): every chosen pipe with room gets it, full pipes miss it.
struct Distributor {
    private(set) var pipes = PipeSet(slot: .distributor)
    private var scratch: [MessagePipe] = []

    mutating func attach(_ pipe: MessagePipe) { pipes.append(pipe) }

    mutating func remove(_ pipe: MessagePipe) { pipes.remove(pipe) }

    /// Sends to every pipe.
    mutating func sendToAll(_ message: Message) {
        for i in 0..<pipes.count {
            let pipe = pipes[i]
            if pipe.write(message) { pipe.flush() }
        }
    }

    /// Sends to the given pipes; a full pipe misses the message. Returns how many missed it.
    func send(_ message: Message, to targets: [MessagePipe]) -> Int {
        var missed = 0
        for pipe in targets {
            if pipe.write(message) { pipe.flush() } else { missed &+= 1 }
        }
        return missed
    }
}
