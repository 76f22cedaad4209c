extension DriverConformance {
    /// One conformance check. Each runs on a fresh manager, takes a second or two, and gives up after
    /// ``DriverConformance/timeLimit``; checks are independent and may run in parallel.
    public enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        /// REQ/REP: three REQ clients make interleaved round trips with one REP; every reply reaches the client
        /// that asked. Then one REQ spreads its requests round-robin over three REPs.
        case requestReply
        /// DEALER/ROUTER: the ROUTER sees each DEALER's routing id (set, or made up by the ROUTER) in front of
        /// its messages, replies go back only to the DEALER they are addressed to, and ``Socket/routerMandatory``
        /// reports an unknown id as ``VTXError/Code/hostUnreachable``.
        case dealerRouter
        /// PAIR: multipart messages both ways, in order.
        case pair
        /// PUB/SUB: two subscribers with different prefixes get only what matches, a subscriber to everything
        /// gets everything, and after an unsubscribe nothing more arrives for that prefix.
        case publishSubscribe
        /// XPUB/XSUB: a SUB's subscribe and unsubscribe reach the XPUB as `\x01topic`/`\x00topic` messages, an
        /// XSUB's subscription messages do too, and the XPUB's messages reach the XSUB once it subscribed.
        case xpubXsub
        /// PUSH/PULL: one PUSH load-balances round-robin over three PULLs (each gets every third message), and one
        /// PULL fed by three PUSHes receives every message of each, each source's in order. (How fair queuing
        /// interleaves the sources depends on when their messages arrive, so the interleaving is not checked.)
        case pushPull
        /// High-water marks and back-pressure: with a PULL that does not read, a non-blocking PUSH of 64 KiB
        /// messages is refused (``Socket/trySend(_:)`` returns `false`) within a bounded number of messages; once
        /// the PULL drains, every accepted message arrives in order, none lost or duplicated, and sending
        /// resumes.
        case highWaterMark
        /// Multipart atomicity: hundreds of messages of 1 to 9 frames, with empty frames and frames of 64 KiB
        /// and more, arrive whole, byte for byte and in order, both ways.
        case multipart
        /// Close with the default linger: a PUSH that sends N messages and closes at once still delivers all N.
        case closeWithLinger
        /// Close with linger 0: a PUSH whose peer does not read closes without waiting, and its manager shuts
        /// down promptly; the peer stays usable.
        case closeWithZeroLinger
        /// Peer loss and reconnect: a PUSH connected to a PULL notices when the PULL closes (a `disconnected`
        /// event) and, without any call from the application, delivers to a new PULL bound at the same
        /// resolved endpoint. Without ``Features/reconnect``: the PUSH stops queuing to the lost peer, and an
        /// explicit connect to the new PULL works.
        case reconnect
        /// Subscriptions after reconnect: a SUB's subscriptions reach a new PUB bound at the same endpoint, so
        /// filtered delivery resumes (without ``Features/reconnect``: after the SUB connects again).
        case subscriptionReplay
        /// Bad endpoints: malformed endpoints fail `bind` and `connect` with ``VTXError/Code/invalidEndpoint``
        /// (or ``VTXError/Code/invalidArgument``, ``VTXError/Code/addressNotAvailable``), binding a bound
        /// endpoint fails with ``VTXError/Code/addressInUse``, and the socket stays usable.
        case badEndpoints
        /// Incompatible socket types (PUSH to PUB, DEALER to PAIR): the connection is refused (a `handshakeFailed`
        /// event, or with no ``Features/handshake``, a failed connect), no message crosses, and both sockets
        /// still serve a compatible peer.
        case incompatibleTypes
        /// Shutdown with traffic in flight: while threads send, receive and wait on a socket, the manager's
        /// `shutdown()` returns within a bound, every blocked call ends with ``VTXError/Code/terminated``, every
        /// later call throws it too, and `close()` still works.
        case shutdownInFlight

        /// The check's name.
        public var description: String { rawValue }
    }
}
