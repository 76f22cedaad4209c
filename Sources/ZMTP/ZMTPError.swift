import VTXCore

/// A ZMTP protocol failure on one connection: a ``Category`` that says what kind of failure it was (the
/// categories of libzmq's `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL` monitor event values, plus framing and
/// version failures libzmq reports as plain disconnects), and a message for people.
///
/// Errors compare equal when their categories are, so `#expect(throws: ZMTPError.messageTooLarge)` style
/// matching works whatever the message says. ``vtxError`` converts it for the socket's monitor events.
public struct ZMTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of protocol failure happened.
    public enum Category: String, Sendable, Hashable, CaseIterable {
        /// The peer's first bytes are not a ZMTP greeting signature: it is not a ZeroMQ peer at all.
        case invalidSignature
        /// The peer speaks a ZMTP version older than 3.0 (ZMTP/1.0 or ZMTP/2.0), which VTX does not speak.
        case unsupportedVersion
        /// The peer's greeting names a different security mechanism from ours.
        /// libzmq: `ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH`.
        case mechanismMismatch
        /// A command (or data frame) arrived that is not allowed at this point of the handshake.
        /// libzmq: `ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND`.
        case unexpectedCommand
        /// Commands arrived in the wrong order or with a bad sequence number.
        /// libzmq: `ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE`.
        case invalidSequence
        /// A key exchange failed. libzmq: `ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE`.
        case keyExchange
        /// A command's body does not follow its grammar; ``ZMTPError/command`` names the command.
        /// libzmq: `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_*`.
        case malformedCommand
        /// Metadata properties are missing or have values we cannot use (no or unknown `Socket-Type`).
        /// libzmq: `ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA`.
        case invalidMetadata
        /// Encryption or authentication of a box failed. libzmq: `ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC`.
        case cryptographic
        /// A frame header breaks the framing rules: reserved flag bits set, a command with MORE, a size with the
        /// top bit set. libzmq: `ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED`.
        case invalidFrame
        /// A frame is larger than the connection's maximum message size. libzmq: `EMSGSIZE`.
        case messageTooLarge
        /// The peer's socket type cannot talk to ours. libzmq: `EINVAL` from the metadata check, then a close.
        case incompatibleSocketType
        /// The peer sent an ERROR command: it refused the handshake. ``ZMTPError/peerReason`` holds its reason.
        case peerError
        /// Authentication refused the peer: our ZAP handler answered 300, 400 or 500 (``ZMTPError/authenticationStatus``),
        /// answered garbage, or is missing where the mechanism needs one. libzmq: `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`.
        case authenticationFailed
    }

    /// What kind of failure this is.
    public let category: Category
    /// A sentence a person can act on.
    public let message: String
    /// For ``Category/malformedCommand``, the name of the malformed command (`"READY"`, `"ERROR"`, …), when known.
    public let command: String?
    /// For ``Category/peerError``, the reason the peer's ERROR command gave.
    public let peerReason: String?
    /// For ``Category/authenticationFailed``, the ZAP status code when the handler gave one.
    private let zapStatus: Int?

    /// Makes an error; `zapStatus` is the ZAP status code of an ``Category/authenticationFailed``.
    public init(
        _ category: Category,
        _ message: String,
        command: String? = nil,
        peerReason: String? = nil,
        zapStatus: Int? = nil
    ) {
        self.category = category
        self.message = message
        self.command = command
        self.peerReason = peerReason
        self.zapStatus = zapStatus
    }

    /// Makes a ``Category/malformedCommand`` error for the command called `name`.
    public static func malformed(_ name: String, _ detail: String) -> ZMTPError {
        ZMTPError(.malformedCommand, "malformed \(name) command: \(detail)", command: name)
    }

    /// The category and the message.
    public var description: String { "ZMTP \(category.rawValue): \(message)" }

    /// Errors are equal when their categories are.
    public static func == (lhs: ZMTPError, rhs: ZMTPError) -> Bool { lhs.category == rhs.category }

    /// Hashes the category.
    public func hash(into hasher: inout Hasher) { hasher.combine(category) }

    /// The value libzmq puts in a `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL` event for this failure
    /// (`ZMQ_PROTOCOL_ERROR_ZMTP_*`), or `nil` when libzmq reports no protocol error code for it
    /// (signature, version, size and socket-type failures, and the peer's ERROR, which libzmq reports as an
    /// authentication failure).
    public var libzmqProtocolErrorCode: UInt32? {
        switch category {
        case .invalidFrame: 0x1000_0000
        case .unexpectedCommand: 0x1000_0001
        case .invalidSequence: 0x1000_0002
        case .keyExchange: 0x1000_0003
        case .malformedCommand:
            switch command {
            case "MESSAGE": 0x1000_0012
            case "HELLO": 0x1000_0013
            case "INITIATE": 0x1000_0014
            case "ERROR": 0x1000_0015
            case "READY": 0x1000_0016
            case "WELCOME": 0x1000_0017
            default: 0x1000_0011
            }
        case .invalidMetadata: 0x1000_0018
        case .cryptographic: 0x1100_0001
        case .mechanismMismatch: 0x1100_0002
        case .invalidSignature, .unsupportedVersion, .messageTooLarge, .incompatibleSocketType, .peerError,
            .authenticationFailed: nil
        }
    }

    /// For ``Category/authenticationFailed``, the ZAP status code our handler gave, if any. For
    /// ``Category/peerError``, the ZAP status code when the peer's reason is one (`300`, `400` or `500`, as
    /// libzmq sends after a failed authentication; libzmq reports these as `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`).
    public var authenticationStatus: Int? {
        if category == .authenticationFailed { return zapStatus }
        guard category == .peerError, let reason = peerReason, reason.utf8.count == 3,
            let code = Int(reason), [300, 400, 500].contains(code)
        else { return nil }
        return code
    }

    /// The error as VTX's one error type: ``VTXError/Code/messageTooLarge`` and
    /// ``VTXError/Code/incompatibleSocketType`` for those categories, ``VTXError/Code/handshakeFailed`` for every
    /// other protocol failure. The message keeps the category.
    public var vtxError: VTXError {
        switch category {
        case .messageTooLarge: VTXError(.messageTooLarge, description)
        case .incompatibleSocketType: VTXError(.incompatibleSocketType, description)
        case .authenticationFailed: VTXError(.authenticationFailed, description, authenticationStatus: zapStatus)
        case .peerError where authenticationStatus != nil:
            VTXError(.authenticationFailed, description, authenticationStatus: authenticationStatus)
        default: VTXError(.handshakeFailed, description)
        }
    }
}

extension ZMTPError {
    /// Any error of category ``Category/invalidSignature``, for matching.
    public static let invalidSignature = ZMTPError(.invalidSignature, "not a ZMTP peer")
    /// Any error of category ``Category/unsupportedVersion``, for matching.
    public static let unsupportedVersion = ZMTPError(.unsupportedVersion, "the peer speaks an older ZMTP version")
    /// Any error of category ``Category/mechanismMismatch``, for matching.
    public static let mechanismMismatch = ZMTPError(.mechanismMismatch, "the peers use different mechanisms")
    /// Any error of category ``Category/unexpectedCommand``, for matching.
    public static let unexpectedCommand = ZMTPError(.unexpectedCommand, "unexpected command")
    /// Any error of category ``Category/malformedCommand``, for matching.
    public static let malformedCommand = ZMTPError(.malformedCommand, "malformed command")
    /// Any error of category ``Category/invalidMetadata``, for matching.
    public static let invalidMetadata = ZMTPError(.invalidMetadata, "invalid metadata")
    /// Any error of category ``Category/invalidFrame``, for matching.
    public static let invalidFrame = ZMTPError(.invalidFrame, "invalid frame")
    /// Any error of category ``Category/messageTooLarge``, for matching.
    public static let messageTooLarge = ZMTPError(.messageTooLarge, "frame larger than the maximum message size")
    /// Any error of category ``Category/incompatibleSocketType``, for matching.
    public static let incompatibleSocketType = ZMTPError(.incompatibleSocketType, "incompatible socket types")
    /// Any error of category ``Category/peerError``, for matching.
    public static let peerError = ZMTPError(.peerError, "the peer sent ERROR")
}
