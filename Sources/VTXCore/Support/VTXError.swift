/// The one error type of VTX: a ``Code`` in the spirit of ZeroMQ's errno values, and a message for people.
///
/// Errors compare equal when their codes are equal, so `catch VTXError.wouldBlock` style matching and
/// `#expect(throws: VTXError.wouldBlock)` work whatever the message says.
public struct VTXError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a closed set of conditions.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The operation would have to wait and the call was non-blocking. libzmq: `EAGAIN`.
        case wouldBlock
        /// The operation waited for its timeout without completing. libzmq: `EAGAIN` after `ZMQ_SNDTIMEO`/`ZMQ_RCVTIMEO`.
        case timedOut
        /// The call is not valid in the socket's current state (REQ sending twice, REP replying before a
        /// request). libzmq: `EFSM`.
        case invalidState
        /// The socket type does not support the operation (receive on PUB, send on SUB). libzmq: `ENOTSUP`.
        case notSupported
        /// The manager was shut down. libzmq: `ETERM`.
        case terminated
        /// The socket was closed. libzmq: `ENOTSOCK`.
        case socketClosed
        /// No peer with that routing id is connected. libzmq: `EHOSTUNREACH`.
        case hostUnreachable
        /// The endpoint string is malformed. libzmq: `EINVAL`.
        case invalidEndpoint
        /// No driver is registered for the endpoint's scheme. libzmq: `EPROTONOSUPPORT`.
        case unknownTransport
        /// A driver is already registered for that scheme. VTX's original API: `ENOTUNIQ`.
        case duplicateTransport
        /// The address is already bound. libzmq: `EADDRINUSE`.
        case addressInUse
        /// The address is not local or cannot be used. libzmq: `EADDRNOTAVAIL`.
        case addressNotAvailable
        /// The endpoint was never bound or connected by this socket. libzmq: `ENOENT`.
        case endpointNotFound
        /// A message or frame is larger than allowed. libzmq: `EMSGSIZE`.
        case messageTooLarge
        /// The peers' socket types cannot talk to each other, or the transport does not carry this type.
        /// libzmq: `ENOCOMPATPROTO`.
        case incompatibleSocketType
        /// The connection handshake failed (protocol error or authentication). libzmq: the handshake monitor events.
        case handshakeFailed
        /// The peer could not be reached or refused the connection. libzmq: `ECONNREFUSED`.
        case connectionRefused
        /// An argument or option value is out of range. libzmq: `EINVAL`.
        case invalidArgument
        /// An operating-system call failed. libzmq: the raw errno.
        case systemError
        /// The task waiting in an `async` call was cancelled.
        case cancelled
        /// Authentication refused the peer (or refused us): a ZAP handler's 300, 400 or 500, a wrong password or
        /// key, or no handler where one is required. libzmq: `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`.
        case authenticationFailed
        /// A received message does not have the shape the call asked for: text that is not UTF-8, more or fewer
        /// frames than expected, or a payload the decoder refused (``Socket/receiveString()-769ku``,
        /// ``Socket/receive(_:decoder:)-4k8dt``). The message has been taken from the socket.
        case invalidMessage
    }

    /// What went wrong.
    public let code: Code
    /// A sentence a person can act on.
    public let message: String
    /// For ``Code/authenticationFailed``, the ZAP status code (300, 400 or 500) when one was given, as libzmq's
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH` carries it; `nil` otherwise.
    public let authenticationStatus: Int?

    /// Makes an error with a code and a message (and, for ``Code/authenticationFailed``, a ZAP status code).
    public init(_ code: Code, _ message: String, authenticationStatus: Int? = nil) {
        self.code = code
        self.message = message
        self.authenticationStatus = authenticationStatus
    }

    /// The message, prefixed by the code.
    public var description: String { "\(code.rawValue): \(message)" }

    /// Errors are equal when their codes are.
    public static func == (lhs: VTXError, rhs: VTXError) -> Bool { lhs.code == rhs.code }

    /// Hashes the code.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The operation would block. libzmq: `EAGAIN`.
    public static let wouldBlock = VTXError(.wouldBlock, "the operation would block")
    /// The operation timed out. libzmq: `EAGAIN`.
    public static let timedOut = VTXError(.timedOut, "the operation timed out")
    /// The manager was shut down. libzmq: `ETERM`.
    public static let terminated = VTXError(.terminated, "the VTX manager has been shut down")
    /// The socket is closed. libzmq: `ENOTSOCK`.
    public static let socketClosed = VTXError(.socketClosed, "the socket is closed")
    /// Not valid in the socket's current state. libzmq: `EFSM`.
    public static let invalidState = VTXError(.invalidState, "the operation is not valid in the socket's current state")
    /// Not supported by the socket type. libzmq: `ENOTSUP`.
    public static let notSupported = VTXError(.notSupported, "the socket type does not support this operation")
    /// No such peer. libzmq: `EHOSTUNREACH`.
    public static let hostUnreachable = VTXError(.hostUnreachable, "no peer with that routing id is connected")
    /// Malformed endpoint. libzmq: `EINVAL`.
    public static let invalidEndpoint = VTXError(.invalidEndpoint, "the endpoint is malformed")
    /// No driver for the scheme. libzmq: `EPROTONOSUPPORT`.
    public static let unknownTransport = VTXError(.unknownTransport, "no driver is registered for that scheme")
    /// The scheme is already registered.
    public static let duplicateTransport = VTXError(.duplicateTransport, "a driver is already registered for that scheme")
    /// Address in use. libzmq: `EADDRINUSE`.
    public static let addressInUse = VTXError(.addressInUse, "the address is already in use")
    /// Endpoint not bound or connected. libzmq: `ENOENT`.
    public static let endpointNotFound = VTXError(.endpointNotFound, "the endpoint is not bound or connected on this socket")
    /// Too large. libzmq: `EMSGSIZE`.
    public static let messageTooLarge = VTXError(.messageTooLarge, "the message is larger than allowed")
    /// Incompatible socket types. libzmq: `ENOCOMPATPROTO`.
    public static let incompatibleSocketType = VTXError(.incompatibleSocketType, "the socket types cannot talk to each other")
    /// Bad argument. libzmq: `EINVAL`.
    public static let invalidArgument = VTXError(.invalidArgument, "an argument is out of range")
    /// Handshake failure.
    public static let handshakeFailed = VTXError(.handshakeFailed, "the connection handshake failed")
}
