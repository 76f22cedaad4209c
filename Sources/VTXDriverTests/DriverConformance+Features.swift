extension DriverConformance {
    /// What a transport legitimately lacks; the checks that need a missing feature test the weaker behaviour
    /// described with it. Every exemption weakens the suite: claim ``all`` unless the transport cannot do it.
    public struct Features: OptionSet, Sendable, Hashable {
        /// The raw bits.
        public let rawValue: UInt32

        /// Makes a set from raw bits.
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// A connecting socket reconnects by itself when the binding peer goes away and a new one binds the same
        /// endpoint, and reports the loss as a `disconnected` monitor event.
        ///
        /// inproc lacks it, as in libzmq: an inproc connection is one pipe pair made when both sides exist; when
        /// the binder closes there is no connection to make again. Without it, ``Check/reconnect`` and
        /// ``Check/subscriptionReplay`` check that the client stops queuing to the lost peer and that connecting
        /// again (disconnect, then connect) to the new binder works, with the SUB's subscriptions sent to it.
        public static let reconnect = Features(rawValue: 1 << 0)

        /// Connections have a handshake: the driver reports `handshakeSucceeded` once a peer is attached and
        /// `handshakeFailed` for incompatible socket types, however the bind and connect are ordered.
        ///
        /// inproc lacks it: it joins sockets without a wire, reports `accepted`/`connected` when a peer is
        /// attached, and refuses an incompatible connect to a bound socket by failing `connect` with
        /// ``VTXError/Code/incompatibleSocketType``. Without it, the suite waits for `accepted` on the binding
        /// side, and accepts either refusal in ``Check/incompatibleTypes``.
        public static let handshake = Features(rawValue: 1 << 1)

        /// Everything: what a network transport should claim.
        public static let all: Features = [.reconnect, .handshake]
    }
}
