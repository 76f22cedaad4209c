import Logging

/// ROUTER: fair-queues in with the sender's routing id prepended; routes out by the first frame.
final class RouterPattern: Pattern {
    @exclusivity(unchecked) private var queue = FairQueue()
    private var routes: [Frame: MessagePipe] = [:]
    private var nextGeneratedId = UInt32.random(in: .min ... .max)

    override func attach(_ pipe: MessagePipe) {
        let wanted = socket.connectRoutingId(for: pipe.endpointID) ?? pipe.peer.routingId.flatMap { $0.isEmpty ? nil : $0 }
        let id: Frame
        if let wanted {
            if let existing = routes[wanted] {
                guard socket.options.routerHandover else {
                    // libzmq: a duplicate id is ignored; the newcomer's messages are never delivered.
                    socket.logger.info(
                        "\(socket): ignoring a peer with routing id \(wanted), already in use",
                        metadata: ["vtx-peer": "\(pipe.peer.address)"]
                    )
                    return
                }
                routes[wanted] = nil
                socket.detach(existing)
            }
            id = wanted
        } else {
            id = generateId()
        }
        pipe.routingId = id
        routes[id] = pipe
        queue.attach(pipe)
        if socket.options.probeRouter {
            _ = pipe.write(Message(Frame()))
            pipe.flush()
        }
    }

    private func generateId() -> Frame {
        while true {
            nextGeneratedId &+= 1
            var bytes: [UInt8] = [0]
            withUnsafeBytes(of: nextGeneratedId.bigEndian) { bytes.append(contentsOf: $0) }
            let id = Frame(bytes)
            if routes[id] == nil { return id }
        }
    }

    override func detach(_ pipe: MessagePipe) {
        queue.remove(pipe)
        if let id = pipe.routingId, routes[id] === pipe { routes[id] = nil }
    }

    override func readActivated(_ pipe: MessagePipe) { queue.activated(pipe) }

    override func writeActivated(_ pipe: MessagePipe) {}

    override func receive() throws(VTXError) -> Message? {
        var message = Message()
        guard let pipe = receive(from: &queue, into: &message) else { return nil }
        message.prepend(pipe._withUnsafeGuaranteedRef { $0.routingId } ?? Frame())
        return message
    }

    override func send(_ message: inout Message) throws(VTXError) -> Bool {
        // A message that is only a routing id is ignored (libzmq discards the lone id frame).
        guard message.count >= 2 else { return true }
        let id = message[0]
        let mandatory = socket.options.routerMandatory
        guard let pipe = routes[id], !pipe.isClosed, !pipe.isPeerClosed else {
            if mandatory {
                throw VTXError(.hostUnreachable, "no peer with routing id \(id) is connected")
            }
            socket.counters.messagesDropped &+= 1
            return true
        }
        var body = message
        body.popFirst()
        if pipe.write(body) {
            pipe.flush()
            return true
        }
        // Full: wait (mandatory) or drop.
        if mandatory { return false }
        socket.counters.messagesDropped &+= 1
        return true
    }

    override var hasIn: Bool { hasIn(&queue) }

    override var hasOut: Bool {
        guard socket.options.routerMandatory else { return true }
        return routes.values.contains { $0.checkWrite() }
    }
}
