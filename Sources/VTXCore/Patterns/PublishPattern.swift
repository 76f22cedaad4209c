import DequeModule

/// PUB and XPUB: fan-out to the subscribers whose subscriptions match the first frame. XPUB also hands the
/// application the subscriptions (`0x01`+topic, `0x00`+topic) and any other upstream messages.
final class PublishPattern: Pattern {
    private let extended: Bool
    private var distributor = Distributor()
    private var subscriptions = MultiTrie()
    private var targets: [MessagePipe] = []
    private var pending: Deque<Message> = []
    private var lastSubscriber: MessagePipe?

    init(socket: Socket, extended: Bool) {
        self.extended = extended
        super.init(socket: socket)
    }

    override var drainsInbound: Bool { false }

    override func attach(_ pipe: MessagePipe) {
        distributor.attach(pipe)
        if extended, let welcome = socket.options.xpubWelcomeMessage {
            pipe.forceWrite(welcome)
            pipe.flush()
        }
        readActivated(pipe)
    }

    override func detach(_ pipe: MessagePipe) {
        distributor.remove(pipe)
        if pipe === lastSubscriber { lastSubscriber = nil }
        let report = extended && !socket.options.xpubManual
        subscriptions.removePipe(pipe, reportAll: socket.options.xpubVerboser) { topic in
            if report { pending.append(PublishPattern.notification(subscribe: false, topic)) }
        }
    }

    static func notification(subscribe: Bool, _ topic: Frame) -> Message {
        Message(Frame(count: topic.count + 1) { buffer in
            buffer[0] = subscribe ? 1 : 0
            topic.withUnsafeBytes { bytes in
                if bytes.count > 0 { buffer.baseAddress!.advanced(by: 1).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
            }
        })
    }

    /// Reads the subscriptions (and, for XPUB, user messages) a subscriber sent.
    override func readActivated(_ pipe: MessagePipe) {
        while var message = pipe.read() {
            let first = message[0]
            if message.count == 1, let kind = first.first, kind <= 1 {
                let topic = first.dropFirst()
                let isSubscribe = kind == 1
                if extended && socket.options.xpubManual {
                    lastSubscriber = pipe
                    message.metadata = pipe.metadata
                    pending.append(message)
                    continue
                }
                if isSubscribe {
                    let isNew = subscriptions.add(topic, for: pipe)
                    if extended && (isNew || socket.options.xpubVerbose || socket.options.xpubVerboser) {
                        message.metadata = pipe.metadata
                        pending.append(message)
                    }
                } else {
                    let wasLast = subscriptions.remove(topic, for: pipe)
                    if extended && (wasLast || socket.options.xpubVerboser) {
                        message.metadata = pipe.metadata
                        pending.append(message)
                    }
                }
            } else if extended {
                message.metadata = pipe.metadata
                pending.append(message)
            }
        }
        if pipe.isPeerClosed { socket.detach(pipe) }
    }

    override func send(_ message: Message) throws(VTXError) -> Bool {
        targets.removeAll(keepingCapacity: true)
        let topic = message[0]
        if socket.options.invertMatching {
            var matching: [ObjectIdentifier] = []
            subscriptions.forEachMatch(topic) { matching.append(ObjectIdentifier($0)) }
            for i in 0..<distributor.pipes.count where !matching.contains(ObjectIdentifier(distributor.pipes[i])) {
                targets.append(distributor.pipes[i])
            }
        } else {
            subscriptions.forEachMatch(topic) { targets.append($0) }
        }
        if socket.options.xpubNoDrop, targets.contains(where: { !$0.checkWrite() }) {
            return false
        }
        distributor.send(message, to: targets)
        return true
    }

    override func receive() throws(VTXError) -> Message? {
        guard extended else { return try super.receive() }
        return pending.popFirst()
    }

    override var hasIn: Bool { extended && !pending.isEmpty }
    override var hasOut: Bool { true }

    override func subscribe(_ prefix: Frame) throws(VTXError) {
        guard extended, socket.options.xpubManual else { return try super.subscribe(prefix) }
        guard let lastSubscriber else { return }
        subscriptions.add(prefix, for: lastSubscriber)
    }

    override func unsubscribe(_ prefix: Frame) throws(VTXError) {
        guard extended, socket.options.xpubManual else { return try super.unsubscribe(prefix) }
        guard let lastSubscriber else { return }
        subscriptions.remove(prefix, for: lastSubscriber)
    }
}
