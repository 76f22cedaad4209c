import VTXCore

/// What a server mechanism makes of a ZAP outcome.
public enum Authentication: Sendable {
    /// The peer is admitted, with the user id and properties the handler gave it (none without a handler).
    case admitted(userId: String?, properties: Metadata)
    /// The peer is refused: carry out this step (an ERROR with the status code for 400 and 500, as libzmq does;
    /// nothing for 300 or a broken answer), which ends the connection.
    case refused(HandshakeStep)
}

extension ZAPOutcome {
    /// Judges the outcome as libzmq does.
    ///
    /// - Parameters:
    ///   - mechanism: the mechanism asking, for messages.
    ///   - admitsWithoutHandler: what ``ZAPOutcome/noHandler`` means: admit (CURVE, NULL) or refuse (PLAIN,
    ///     whose libzmq server closes the connection without a handler).
    ///   - peer: the peer, for messages.
    public func judge(mechanism: MechanismName, admitsWithoutHandler: Bool, peer: String) -> Authentication {
        switch self {
        case .noHandler:
            if admitsWithoutHandler { return .admitted(userId: nil, properties: []) }
            return .refused(HandshakeStep(failure: ZMTPError(
                .authenticationFailed,
                "a \(mechanism) server needs a ZAP handler (bind one at \(ZAPRequest.endpoint), or use an "
                    + "Authenticator) to check \(peer)'s credentials; none is bound, so \(peer) was refused"
            )))
        case .invalid(let reason):
            return .refused(HandshakeStep(failure: ZMTPError(
                .authenticationFailed, "authenticating \(peer) failed: \(reason)"
            )))
        case .reply(let reply):
            let text = reply.statusText.isEmpty ? "" : " (\(reply.statusText))"
            switch reply.statusCode {
            case 200:
                let properties: Metadata
                do throws(ZMTPError) {
                    properties = try Metadata(parsing: reply.metadata.byteBuffer(), command: "ZAP reply")
                } catch {
                    return .refused(HandshakeStep(failure: ZMTPError(
                        .authenticationFailed, "the ZAP handler's metadata for \(peer) is malformed: \(error.message)"
                    )))
                }
                return .admitted(userId: reply.userId.isEmpty ? nil : reply.userId, properties: properties)
            case 300:
                return .refused(HandshakeStep(failure: ZMTPError(
                    .authenticationFailed,
                    "the ZAP handler answered 300 (temporary failure) for \(peer)\(text)",
                    zapStatus: 300
                )))
            default:
                return .refused(HandshakeStep(
                    commands: [.error(reason: String(reply.statusCode))],
                    failure: ZMTPError(
                        .authenticationFailed,
                        "the ZAP handler refused \(peer) with \(reply.statusCode)\(text)",
                        zapStatus: reply.statusCode
                    )
                ))
            }
        }
    }
}
