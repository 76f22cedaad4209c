/// The messaging pattern role of a socket, with the semantics of libzmq 4.3.
public enum SocketType: String, Sendable, CaseIterable, Hashable, CustomStringConvertible {
    /// Exclusive pair: one peer, both directions. The corresponding libzmq type is `ZMQ_PAIR`.
    case pair = "PAIR"
    /// Publisher: fan-out to subscribers that match. The corresponding libzmq type is `ZMQ_PUB`.
    case pub = "PUB"
    /// Subscriber: receives what matches its subscriptions. The corresponding libzmq type is `ZMQ_SUB`.
    case sub = "SUB"
    /// Requester: send a request, then receive its reply, in lock-step. The corresponding libzmq type is `ZMQ_REQ`.
    case req = "REQ"
    /// Replier: receive a request, then send its reply. The corresponding libzmq type is `ZMQ_REP`.
    case rep = "REP"
    /// Asynchronous requester: load-balances out, fair-queues in. The corresponding libzmq type is `ZMQ_DEALER`.
    case dealer = "DEALER"
    /// Asynchronous replier that routes by peer id. The corresponding libzmq type is `ZMQ_ROUTER`.
    case router = "ROUTER"
    /// Pipeline sink: fair-queues from pushers. The corresponding libzmq type is `ZMQ_PULL`.
    case pull = "PULL"
    /// Pipeline source: load-balances to pullers. The corresponding libzmq type is `ZMQ_PUSH`.
    case push = "PUSH"
    /// Publisher that also receives subscriptions. The corresponding libzmq type is `ZMQ_XPUB`.
    case xpub = "XPUB"
    /// Subscriber that sends subscriptions as messages. The corresponding libzmq type is `ZMQ_XSUB`.
    case xsub = "XSUB"

    /// The name used on the wire (ZMTP `Socket-Type`), such as `"DEALER"`.
    public var name: String { rawValue }

    /// The type's name.
    public var description: String { rawValue }

    /// Makes a type from its name, in any letter case; `nil` for an unknown name.
    public init?(name: String) {
        self.init(rawValue: name.uppercased())
    }

    /// Whether a socket of this type may talk to a peer of `other` (ZMTP's socket-type compatibility rule).
    public func isCompatible(with other: SocketType) -> Bool {
        switch self {
        case .pair: other == .pair
        case .pub, .xpub: other == .sub || other == .xsub
        case .sub, .xsub: other == .pub || other == .xpub
        case .req: other == .rep || other == .router
        case .rep: other == .req || other == .dealer
        case .dealer: other == .rep || other == .dealer || other == .router
        case .router: other == .req || other == .dealer || other == .router
        case .pull: other == .push
        case .push: other == .pull
        }
    }

    /// Whether the type sends its routing id (ZMTP `Identity`) to peers: only REQ, DEALER and ROUTER do.
    public var sendsRoutingId: Bool {
        self == .req || self == .dealer || self == .router
    }
}
