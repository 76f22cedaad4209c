/// A ZAP (RFC 27) reply: the handler's verdict on one ``ZAPRequest``.
public struct ZAPReply: Sendable, Hashable {
    /// The status: 200 admits; 300 (temporary failure), 400 (authentication failure) and 500 (internal error)
    /// refuse.
    public var statusCode: Int
    /// Why, in words, for logs.
    public var statusText: String
    /// The user id the handler gives the peer; every message from it carries it as `User-Id`.
    public var userId: String
    /// Further properties for the peer's messages, in ZMTP metadata encoding (may be empty).
    public var metadata: Frame

    /// Makes a reply.
    public init(statusCode: Int, statusText: String = "", userId: String = "", metadata: Frame = Frame()) {
        self.statusCode = statusCode
        self.statusText = statusText
        self.userId = userId
        self.metadata = metadata
    }

    /// Whether the reply admits the peer (status 200).
    public var admits: Bool { statusCode == 200 }

    /// The reply as a handler sends it to a DEALER: an empty delimiter, `"1.0"`, the request id `"1"`, then the
    /// status, its text, the user id and the metadata.
    public var message: Message {
        Message([
            Frame(), Frame(ZAPRequest.version), Frame(ZAPRequest.requestId), Frame(String(statusCode)),
            Frame(statusText), Frame(userId), metadata,
        ])
    }

    /// Reads a reply as a DEALER receives it, with the checks libzmq makes: exactly seven frames after the empty
    /// delimiter, version `"1.0"`, request id `"1"`, a status of 200, 300, 400 or 500.
    ///
    /// - Throws: ``VTXError/Code/handshakeFailed`` saying which check failed.
    public init(parsing message: Message) throws(VTXError) {
        var frames = Array(message.frames)
        if frames.first?.isEmpty == true { frames.removeFirst() }
        guard frames.count == 6 else {
            throw VTXError(.handshakeFailed, "the ZAP handler answered with \(frames.count) frames instead of 6")
        }
        guard frames[0].text == ZAPRequest.version else {
            throw VTXError(.handshakeFailed, "the ZAP handler answered version \"\(frames[0].text)\", not 1.0")
        }
        guard frames[1].text == ZAPRequest.requestId else {
            throw VTXError(.handshakeFailed, "the ZAP handler answered request \"\(frames[1].text)\", not \"1\"")
        }
        let status = frames[2].text
        guard status.utf8.count == 3, let code = Int(status), [200, 300, 400, 500].contains(code) else {
            throw VTXError(.handshakeFailed, "the ZAP handler answered status \"\(status)\", not 200, 300, 400 or 500")
        }
        self.init(statusCode: code, statusText: frames[3].text, userId: frames[4].text, metadata: frames[5])
    }
}

/// What became of a ``ZAPRequest``.
public enum ZAPOutcome: Sendable, Hashable {
    /// The handler answered.
    case reply(ZAPReply)
    /// No handler is bound at ``ZAPRequest/endpoint`` in the socket's manager.
    case noHandler
    /// The handler answered something that is not a ZAP reply, or did not answer in time; the reason in words.
    case invalid(String)
}
