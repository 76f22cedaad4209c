import NIOCore
import VTXCore

// TEMPORARY: the lead's mechanism seam (HandshakeStep, the new Mechanism, the ZAP types) until main lands it.
// Deleted at the merge of main; `PendingMechanism` then becomes `Mechanism`.

public struct HandshakeStep: Sendable {
    public var commands: [Command]
    public var authenticate: ZAPRequest?
    public var failure: ZMTPError?
    public init(commands: [Command] = [], authenticate: ZAPRequest? = nil, failure: ZMTPError? = nil) {
        self.commands = commands
        self.authenticate = authenticate
        self.failure = failure
    }
}

public struct ZAPRequest: Sendable, Hashable {
    public var domain: String
    public var address: String
    public var identity: Frame
    public var mechanism: String
    public var credentials: [Frame]
    public init(domain: String, address: String, identity: Frame, mechanism: String, credentials: [Frame]) {
        self.domain = domain
        self.address = address
        self.identity = identity
        self.mechanism = mechanism
        self.credentials = credentials
    }
}

public struct ZAPReply: Sendable, Hashable {
    public var statusCode: Int
    public var statusText: String
    public var userId: String
    public var metadata: Frame
    public init(statusCode: Int, statusText: String = "", userId: String = "", metadata: Frame = Frame()) {
        self.statusCode = statusCode
        self.statusText = statusText
        self.userId = userId
        self.metadata = metadata
    }
}

public enum ZAPOutcome: Sendable {
    case reply(ZAPReply)
    case noHandler
    case invalid(String)
}

public protocol PendingMechanism: Sendable {
    var name: MechanismName { get }
    var isServer: Bool { get }
    var isComplete: Bool { get }
    var peer: PeerProperties? { get }
    var passesFramesThrough: Bool { get }
    mutating func start() throws(ZMTPError) -> HandshakeStep
    mutating func process(_ item: ZMTPItem) throws(ZMTPError) -> HandshakeStep
    mutating func resume(with outcome: ZAPOutcome) throws(ZMTPError) -> HandshakeStep
    mutating func encode(_ message: Message, into buffer: inout ByteBuffer) throws(ZMTPError)
    mutating func encode(_ command: Command, into buffer: inout ByteBuffer) throws(ZMTPError)
    mutating func decode(_ item: ZMTPItem) throws(ZMTPError) -> ZMTPItem?
}
