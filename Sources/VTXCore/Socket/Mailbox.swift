import DequeModule
import Synchronization

/// A command for a socket's own thread, sent by pipes, drivers and the manager.
enum SocketCommand: Sendable {
    /// A driver (or inproc) hands the socket a pipe end to a new peer.
    case attach(MessagePipe, EndpointID?)
    /// A pipe end the socket owns reports an event.
    case pipe(MessagePipe, PipeEvent)
    /// A new peer was announced in a pipe the socket owns (a connect's pipe that outlives its connections).
    case peerAnnounced(MessagePipe)
    /// A driver answers a bind or connect, or reports on an endpoint.
    case endpoint(EndpointID, DriverEvent)
    /// The manager is shutting down.
    case terminate
    /// Nothing to do: just wake a waiting call (timeouts, cancellation).
    case wakeUp
}

/// The control channel into a socket: a queue of ``SocketCommand``s plus the socket's readiness descriptor.
///
/// The descriptor is signalled when the queue goes from empty to non-empty, so a reader that drains the queue
/// after clearing the descriptor never misses a wake-up. Only the wake-up path takes the lock; a socket checks for
/// pending commands with one relaxed atomic load.
final class Mailbox: PipeEventSink, @unchecked Sendable {
    private struct State {
        var queue: Deque<SocketCommand> = []
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false
    }

    private let state = Locked(State())
    private let pending = Atomic<Bool>(false)
    let signaler: Signaler

    /// Makes an empty mailbox.
    ///
    /// - Throws: ``VTXError/Code/systemError`` when its wake-up descriptor cannot be made.
    init() throws(VTXError) {
        signaler = try Signaler()
    }

    /// Adds a command and wakes the socket if the queue was empty.
    func push(_ command: SocketCommand) {
        let (wasEmpty, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            if state.closed {
                // The socket is gone: a pipe handed to it now must not stay open.
                if case .attach(let pipe, _) = command { pipe.close() }
                return (false, nil)
            }
            let wasEmpty = state.queue.isEmpty
            state.queue.append(command)
            pending.store(true, ordering: .releasing)
            let waiter = state.waiter
            state.waiter = nil
            return (wasEmpty, waiter)
        }
        if wasEmpty { signaler.signal() }
        waiter?.resume()
    }

    /// Whether commands are waiting (a cheap, possibly stale, check).
    @inline(__always)
    var hasPending: Bool { pending.load(ordering: .relaxed) }

    /// Moves every queued command into `buffer`, which must be empty; the mailbox keeps `buffer`'s old storage
    /// for the next commands, so a socket that recycles its buffer allocates nothing per wake-up.
    func drain(into buffer: inout Deque<SocketCommand>) {
        signaler.reset()
        state.withLock { state in
            swap(&state.queue, &buffer)
            pending.store(false, ordering: .relaxed)
        }
    }

    /// Refuses every later command (closing the pipes of later attaches) and returns those still queued. A task
    /// suspended in ``waitAsync()`` is resumed, so that it finds the socket closed instead of waiting forever.
    func close() -> Deque<SocketCommand> {
        signaler.reset()
        let (commands, waiter) = state.withLock { state in
            state.closed = true
            let commands = state.queue
            state.queue = []
            pending.store(false, ordering: .relaxed)
            let waiter = state.waiter
            state.waiter = nil
            return (commands, waiter)
        }
        waiter?.resume()
        return commands
    }

    /// Blocks until a command is queued or the timeout passes (-1 = forever).
    func wait(timeoutMilliseconds: Int32) {
        if pending.load(ordering: .acquiring) { return }
        _ = signaler.wait(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Suspends until a command is queued or the mailbox closes.
    func waitAsync() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if !state.queue.isEmpty || state.closed { return true }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func pipe(_ pipe: MessagePipe, didSignal event: PipeEvent) {
        push(.pipe(pipe, event))
    }
}
