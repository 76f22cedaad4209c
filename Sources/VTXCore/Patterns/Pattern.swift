/// The behaviour of one socket type: how messages are routed out, queued in, and what state the socket is in.
///
/// A subclass per type overrides what it needs (libzmq's `xsend`/`xrecv`/`xattach_pipe`/… hooks). Patterns run
/// only on the socket's thread.
class Pattern {
    /// The socket that owns this pattern, set by ``adopt(by:)`` as the socket finishes its initializer. The
    /// socket creates the pattern, holds the only reference to it and never hands it out, so the pattern cannot
    /// outlive it; `unowned(unsafe)` also lets the socket's `deinit` (which closes the socket and so runs pattern
    /// hooks) read it, which a checked `unowned` reference traps on.
    final var socket: Socket { owner.unsafelyUnwrapped }
    private unowned(unsafe) var owner: Socket?

    init() {}

    /// Records the socket that owns the pattern. The socket keeps the pattern in a `let` (so that its calls into
    /// the pattern on every send and receive need no reference counting), which means the pattern is made before
    /// the socket is whole and learns its owner here.
    final func adopt(by socket: Socket) {
        owner = socket
    }

    static func make(for type: SocketType) -> Pattern {
        switch type {
        case .pair: PairPattern()
        case .pub: PublishPattern(extended: false)
        case .xpub: PublishPattern(extended: true)
        case .sub: SubscribePattern(extended: false)
        case .xsub: SubscribePattern(extended: true)
        case .req: RequestPattern()
        case .rep: ReplyPattern()
        case .dealer: DealerPattern()
        case .router: RouterPattern()
        case .push: PushPattern()
        case .pull: PullPattern()
        }
    }

    /// Whether the pattern reads a closed peer's remaining messages before the pipe is detached.
    var drainsInbound: Bool { true }

    func attach(_ pipe: MessagePipe) {}
    func detach(_ pipe: MessagePipe) {}
    func readActivated(_ pipe: MessagePipe) {}
    /// A new connection now serves `pipe` (a connect's pipe, which outlives its connections): tell the new peer
    /// again what it must know (libzmq's `xhiccuped`).
    func peerReconnected(_ pipe: MessagePipe) {}
    func writeActivated(_ pipe: MessagePipe) {}

    /// Sends a whole message, possibly moving it out of `message`. Returns `false`, leaving `message` as it was,
    /// when the socket must wait.
    func send(_ message: inout Message) throws(VTXError) -> Bool {
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

    /// Whether the socket keeps only the newest message (``Socket/conflate``), mirrored here because it is read
    /// on every receive.
    final var conflate = false

    /// Hands the pipes the fair queue found closed and drained to the socket, which detaches them once the
    /// pattern call returns (``Socket/finishDetaches()``): the queue is being mutated right now.
    @inline(__always)
    final func collectDrained(_ queue: inout FairQueue) {
        guard !queue.drained.isEmpty else { return }
        socket.pendingDetaches.append(contentsOf: queue.drained)
        queue.drained.removeAll()
    }

    /// Reads from the fair queue into `message`, keeping only the newest message when the socket conflates;
    /// returns the pipe it came from, or `nil` when none was waiting.
    @inline(__always)
    final func receive(from queue: inout FairQueue, into message: inout Message) -> Unmanaged<MessagePipe>? {
        defer { collectDrained(&queue) }
        guard var pipe = queue.receive(into: &message) else { return nil }
        if conflate {
            while let newer = queue.receive(into: &message) { pipe = newer }
        }
        return pipe
    }

    /// Reads the next message from the fair queue (see ``receive(from:into:)``), without its pipe.
    @inline(__always)
    final func receiveMessage(from queue: inout FairQueue) -> Message? {
        var message = Message()
        // Not `… == nil ? nil : message`: the conditional expression makes the optimizer copy the message through
        // its value witness and destroy the original (about 150 instructions a message); returning it from its
        // own statement moves it.
        guard receive(from: &queue, into: &message) != nil else { return nil }
        return message
    }

    /// Whether the fair queue has a message now.
    @inline(__always)
    final func hasIn(_ queue: inout FairQueue) -> Bool {
        defer { collectDrained(&queue) }
        return queue.hasIn()
    }
}
