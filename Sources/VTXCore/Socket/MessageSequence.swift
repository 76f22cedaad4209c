extension Socket {
    /// The messages this socket receives, as an asynchronous sequence:
    ///
    /// ```swift
    /// for try await message in socket.messages {
    ///     print(message.first?.string ?? "")
    /// }
    /// ```
    ///
    /// Each step is ``receive()-1z28k`` (the `async` twin), so it suspends without blocking a thread and
    /// honours ``receiveTimeout``. See ``MessageSequence`` for when the sequence ends and what it throws.
    public var messages: MessageSequence {
        MessageSequence(socket: self)
    }
}

/// The messages a socket receives, as an `AsyncSequence` (``Socket/messages``).
///
/// - The sequence **ends** (its iterator returns `nil`) when the socket is closed (by the loop's body, say) or
///   its manager shuts down (``VTX/shutdown()``, from any thread), and when the iterating task is cancelled.
/// - It **throws** every other error of ``Socket/receive()-1z28k``: ``VTXError/Code/timedOut`` after
///   ``Socket/receiveTimeout`` (forever by default), ``VTXError/Code/notSupported`` on a send-only type,
///   ``VTXError/Code/invalidState`` for a REQ out of turn. An iterator may be asked again after a time-out.
/// - **Cancelling** the iterating task ends the loop and leaves the socket as it was: a message is taken from
///   the socket only when it is handed to the iterator, so the next ``Socket/receive()-1z28k`` gets the
///   first message the loop did not see. A cancelled task's iterator returns `nil` without taking one.
///
/// Like the socket, a sequence is used by one task at a time; to stop a loop from another task, cancel the loop's
/// task (or shut the manager down) rather than closing the socket under it.
public struct MessageSequence: AsyncSequence, Sendable {
    /// The element type: one whole multipart message.
    public typealias Element = Message
    /// The error type: the socket's.
    public typealias Failure = VTXError

    let socket: Socket

    /// Iterates the socket's messages (see ``MessageSequence``).
    public struct AsyncIterator: AsyncIteratorProtocol {
        /// The element type: one whole multipart message.
        public typealias Element = Message
        /// The error type: the socket's.
        public typealias Failure = VTXError

        let socket: Socket
        private var isFinished = false

        init(socket: Socket) {
            self.socket = socket
        }

        /// The next message; `nil` once the socket is closed, its manager shut down, or the task cancelled.
        ///
        /// - Throws: as ``Socket/receive()-1z28k``, except for the errors that end the sequence.
        public mutating func next() async throws(VTXError) -> Message? {
            guard !isFinished, !Task.isCancelled else { return nil }
            return try finish(await Self.step(socket))
        }

        /// The next message (see ``next()``); the isolation is not needed, as the socket does its own waiting.
        ///
        /// - Throws: as ``next()``.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(VTXError) -> Message? {
            guard !isFinished, !Task.isCancelled else { return nil }
            return try finish(await Self.step(socket))
        }

        /// How one receive ended.
        private enum Step: Sendable {
            case message(Message)
            case failure(VTXError)
        }

        /// One receive, outside the iterator so that no isolation crosses with it.
        private static func step(_ socket: Socket) async -> Step {
            do {
                return .message(try await socket.receive())
            } catch {
                return .failure(error)
            }
        }

        private mutating func finish(_ step: Step) throws(VTXError) -> Message? {
            switch step {
            case .message(let message):
                return message
            case .failure(let error) where error.code == .socketClosed || error.code == .terminated:
                isFinished = true
                return nil
            case .failure(let error) where error.code == .cancelled:
                return nil
            case .failure(let error):
                throw error
            }
        }
    }

    /// Makes an iterator over the socket's messages.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(socket: socket)
    }
}
