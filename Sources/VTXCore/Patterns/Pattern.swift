/// The behaviour of one socket type: how messages are routed out, queued in, and what state the socket is in.
///
/// A subclass per type overrides what it needs (libzmq's `xsend`/`xrecv`/`xattach_pipe`/… hooks). Patterns run
/// only on the socket's thread.
class Pattern {
    /// The socket that owns this pattern. The socket creates the pattern, holds the only reference to it and
    /// never hands it out, so the pattern cannot outlive it; `unowned(unsafe)` also lets the socket's `deinit`
    /// (which closes the socket and so runs pattern hooks) read it, which a checked `unowned` reference traps on.
    unowned(unsafe) let socket: Socket

    init(socket: Socket) {
        self.socket = socket
    }

    static func make(for type: SocketType, socket: Socket) -> Pattern {
        switch type {
        case .pair: PairPattern(socket: socket)
        case .pub: PublishPattern(socket: socket, extended: false)
        case .xpub: PublishPattern(socket: socket, extended: true)
        case .sub: SubscribePattern(socket: socket, extended: false)
        case .xsub: SubscribePattern(socket: socket, extended: true)
        case .req: RequestPattern(socket: socket)
        case .rep: ReplyPattern(socket: socket)
        case .dealer: DealerPattern(socket: socket)
        case .router: RouterPattern(socket: socket)
        case .push: PushPattern(socket: socket)
        case .pull: PullPattern(socket: socket)
        }
    }

    /// Whether the pattern reads a closed peer's remaining messages before the pipe is detached.
    var drainsInbound: Bool { true }

    func attach(_ pipe: MessagePipe) {}
    func detach(_ pipe: MessagePipe) {}
    func readActivated(_ pipe: MessagePipe) {}
    func writeActivated(_ pipe: MessagePipe) {}

    /// Sends a whole message. Returns `false`, changing nothing, when the socket must wait.
    func send(_ message: Message) throws(VTXError) -> Bool {
        throw VTXError(.notSupported, "a \(socket.type.name) socket cannot send")
    }

    /// Receives a whole message, or returns `nil` when none is waiting.
    func receive() throws(VTXError) -> Message? {
        throw VTXError(.notSupported, "a \(socket.type.name) socket cannot receive")
    }

    var hasIn: Bool { false }
    var hasOut: Bool { false }

    func subscribe(_ prefix: Frame) throws(VTXError) {
        throw VTXError(.notSupported, "a \(socket.type.name) socket cannot subscribe")
    }

    func unsubscribe(_ prefix: Frame) throws(VTXError) {
        throw VTXError(.notSupported, "a \(socket.type.name) socket cannot unsubscribe")
    }

    /// Schedules the detach of a pipe the fair queue found closed and drained. The detach runs once the pattern
    /// call returns (``Socket/finishDetaches()``), because the queue is being mutated right now.
    final func drained(_ pipe: MessagePipe) {
        socket.pendingDetaches.append(pipe)
    }

    /// Reads from the fair queue into `message`, keeping only the newest message when the socket conflates;
    /// returns the pipe it came from, or `nil` when none was waiting.
    @inline(__always)
    final func receive(from queue: inout FairQueue, into message: inout Message) -> MessagePipe? {
        guard var pipe = queue.receive(into: &message, drained: drained) else { return nil }
        if socket.options.conflate {
            while let newer = queue.receive(into: &message, drained: drained) { pipe = newer }
        }
        return pipe
    }

    /// Reads the next message from the fair queue (see ``receive(from:into:)``), without its pipe.
    @inline(__always)
    final func receiveMessage(from queue: inout FairQueue) -> Message? {
        var message = Message()
        return receive(from: &queue, into: &message) == nil ? nil : message
    }
}
