extension Socket {
    /// Sends every message of an asynchronous sequence, in order, and returns when the sequence ends.
    ///
    /// This is the writer side of ``messages``: each message goes through ``send(_:)-2r22t`` (the `async`
    /// twin), so when every peer the pattern could pick is at its high-water mark the call **suspends** (it does
    /// not block a thread, and it does not pull the next message from `messages`) until a peer takes messages
    /// again. A producer that feeds `messages` from elsewhere (an `AsyncStream` with a bounded buffer, say)
    /// thereby slows down to the pace of the slowest peer instead of growing a queue. Honours ``sendTimeout``
    /// for each message, and task cancellation.
    ///
    /// ```swift
    /// try await push.send(contentsOf: lines.map { Message($0) })
    /// ```
    ///
    /// - Parameter messages: the messages; iterated once.
    /// - Returns: the number of messages sent.
    /// - Throws: the sequence's own errors, and the ``VTXError``s of ``send(_:)-2r22t``
    ///   (``VTXError/Code/cancelled`` when the task is cancelled: the messages sent before stay sent, the one
    ///   being sent and the rest are not).
    @discardableResult
    public func send<Messages: AsyncSequence>(
        contentsOf messages: Messages
    ) async throws -> Int where Messages.Element == Message {
        var count = 0
        for try await message in messages {
            try await send(message)
            count += 1
        }
        return count
    }

    /// Sends every message of a sequence, in order, suspending at the high-water mark as
    /// ``send(contentsOf:)-8v325`` does.
    ///
    /// - Parameter messages: the messages.
    /// - Returns: the number of messages sent.
    /// - Throws: as ``send(_:)-2r22t``; the messages sent before an error stay sent.
    @discardableResult
    public func send(contentsOf messages: some Sequence<Message>) async throws(VTXError) -> Int {
        var count = 0
        for message in messages {
            try await send(message)
            count += 1
        }
        return count
    }
}
