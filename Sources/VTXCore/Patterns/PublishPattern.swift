import DequeModule

/// PUB and XPUB: fan-out to the subscribers whose subscriptions match the first frame. XPUB also hands the
/// application the subscriptions (`0x01`+topic, `0x00`+topic) and any other upstream messages.
final class PublishPattern: Pattern {
    private let extended: Bool
    private var distributor = Distributor()
    private var subscriptions = MultiTrie()
    private var targets: [MessagePipe] = []
    /// Messages for the application. With XPUB_MANUAL, a subscription or cancel (`manual`) carries the pipe it
    /// came from (`nil` for a cancel made up when a pipe left), which becomes `lastSubscriber` when the
    /// application receives it (libzmq `_pending_pipes`).
    private var pending: Deque<(message: Message, subscriber: MessagePipe?, manual: Bool)> = []
    private var lastSubscriber: MessagePipe?
    /// XPUB_MANUAL: what each pipe asked for, to report its topics when it leaves (libzmq `_manual_subscriptions`).
    private var manualSubscriptions = MultiTrie()

    init(extended: Bool) {
        self.extended = extended
        super.init()
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
        guard extended else {
            subscriptions.removePipe(pipe) { _ in }
            return
        }
        if socket.options.xpubManual {
            // libzmq `xpipe_terminated`: report every topic the pipe asked for; drop its applied ones silently.
            manualSubscriptions.removePipe(pipe, reportAll: true) { topic in
                pending.append((PublishPattern.notification(subscribe: false, topic), nil, true))
            }
            subscriptions.removePipe(pipe) { _ in }
        } else {
            subscriptions.removePipe(pipe, reportAll: socket.options.xpubVerboser) { topic in
                pending.append((PublishPattern.notification(subscribe: false, topic), nil, false))
            }
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
                    if isSubscribe {
                        manualSubscriptions.add(topic, for: pipe)
                    } else {
                        manualSubscriptions.remove(topic, for: pipe)
                    }
                    if let metadata = pipe.metadata { message.metadata = metadata }
                    pending.append((message, pipe, true))
                    continue
                }
                if isSubscribe {
                    let isNew = subscriptions.add(topic, for: pipe)
                    if extended && (isNew || socket.options.xpubVerbose || socket.options.xpubVerboser) {
                        if let metadata = pipe.metadata { message.metadata = metadata }
                        pending.append((message, nil, false))
                    }
                } else {
                    let wasLast = subscriptions.remove(topic, for: pipe)
                    if extended && (wasLast || socket.options.xpubVerboser) {
                        if let metadata = pipe.metadata { message.metadata = metadata }
                        pending.append((message, nil, false))
                    }
                }
            } else if extended {
                if let metadata = pipe.metadata { message.metadata = metadata }
                pending.append((message, nil, false))
            }
        }
        if pipe.isPeerClosed { socket.detach(pipe) }
    }

    override func send(_ message: inout Message) throws(VTXError) -> Bool {
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
        socket.counters.messagesDropped &+= distributor.send(message, to: targets)
        return true
    }

    override func receive() throws(VTXError) -> Message? {
        guard extended else { return try super.receive() }
        guard let (message, subscriber, manual) = pending.popFirst() else { return nil }
        if manual {
            // libzmq `xrecv`: the pipe of the subscription just received (none for a made-up cancel, or when that
            // pipe has gone since).
            lastSubscriber = subscriber.flatMap { $0.isClosed ? nil : $0 }
        }
        return message
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
