/// What one end of a ``MessagePipe`` tells its owner about the other end.
public enum PipeEvent: Sendable, Equatable {
    /// Messages were published into a pipe whose reader had run dry.
    case readable
    /// A writer that found the pipe full may write again.
    case writable
    /// The other end closed the pipe; read what is left, then close this end too.
    case closed
}

/// Receives ``PipeEvent``s for the pipe ends its owner holds.
///
/// Events are delivered on the thread of the other end's owner, so an implementation only records the event and
/// wakes its own thread (a socket's mailbox does exactly that; a driver schedules work on its event loop).
/// Events arrive only on transitions: a reader that keeps finding data is never notified.
public protocol PipeEventSink: AnyObject, Sendable {
    /// Called when `pipe`, an end this sink owns, has something to report.
    func pipe(_ pipe: MessagePipe, didSignal event: PipeEvent)
}
