/// Moves whole messages from one pipe to another with back-pressure kept end to end: the kit's piece for a
/// driver that joins two sockets in memory, or bridges two managers, without a codec in between.
///
/// While the output is full the forwarder holds the one message that did not fit and stops reading the input, so
/// the socket that feeds the input feels its high-water mark. Call ``forward(from:to:)`` on the input's
/// `.readable` and `.closed` events and on the output's `.writable` event.
public struct PipeForwarder: Sendable {
    /// The message that did not fit into the output yet.
    public private(set) var held: Message?

    /// Makes a forwarder with nothing held.
    public init() {}

    /// Moves messages from `input` to `output` until the input runs dry or the output is full, with one flush.
    ///
    /// - Returns: `true` once the input's peer has closed and everything it sent has been delivered: the
    ///   connection can end.
    public mutating func forward(from input: MessagePipe, to output: MessagePipe) -> Bool {
        var wrote = false
        if let message = held {
            guard output.write(message) else { return false }  // still full: wait for `.writable`
            held = nil
            wrote = true
        }
        while held == nil, let message = input.read() {
            if output.write(message) {
                wrote = true
            } else {
                held = message  // full: stop reading, so the input's socket feels the back-pressure
            }
        }
        if wrote { output.flush() }
        return held == nil && input.isPeerClosed
    }
}
