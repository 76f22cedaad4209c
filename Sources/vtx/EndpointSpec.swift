import VTX

/// An endpoint with what to do with it, as `vtx monitor` and `vtx proxy` write it: `bind:ENDPOINT` binds,
/// `connect:ENDPOINT` connects, and a bare endpoint connects, except `tcp://*:PORT` (any interface), which can only
/// be bound and so binds.
struct EndpointSpec: Equatable, CustomStringConvertible {
    /// Binding or connecting.
    enum Action: String {
        case bind, connect
    }

    /// Whether to bind or connect.
    let action: Action
    /// The endpoint, without the prefix.
    let endpoint: String

    /// The spec as written with an explicit prefix, such as `bind:tcp://*:5555`.
    var description: String { "\(action.rawValue):\(endpoint)" }

    /// A spec from its parts.
    init(action: Action, endpoint: String) {
        self.action = action
        self.endpoint = endpoint
    }

    /// Parses `bind:ENDPOINT`, `connect:ENDPOINT` or `ENDPOINT`.
    init(parsing text: String) {
        if text.hasPrefix("bind:") {
            self.init(action: .bind, endpoint: String(text.dropFirst("bind:".count)))
        } else if text.hasPrefix("connect:") {
            self.init(action: .connect, endpoint: String(text.dropFirst("connect:".count)))
        } else {
            self.init(action: text.hasPrefix("tcp://*:") ? .bind : .connect, endpoint: text)
        }
    }

    /// Binds or connects `socket`; returns the endpoint as resolved (the real port of `tcp://…:*`).
    ///
    /// - Throws: a ``ToolFailure`` naming the endpoint and saying why.
    @discardableResult
    func apply(to socket: Socket) throws(ToolFailure) -> String {
        if action == .connect && endpoint.hasPrefix("tcp://*:") {
            throw .usage("cannot connect to '\(endpoint)': '*' can only be bound (bind:\(endpoint))")
        }
        do {
            switch action {
            case .bind:
                try socket.bind(endpoint)
                return socket.lastEndpoint ?? endpoint
            case .connect:
                try socket.connect(endpoint)
                return endpoint
            }
        } catch {
            throw error.failure(action == .bind ? "cannot bind '\(endpoint)'" : "cannot connect to '\(endpoint)'")
        }
    }
}

/// A socket type with one endpoint, as `vtx proxy` writes it: `TYPE@ENDPOINT`, such as `ROUTER@tcp://*:5555` or
/// `DEALER@bind:ipc:///tmp/workers` (the endpoint part is an ``EndpointSpec``).
struct SocketSpec: Equatable, CustomStringConvertible {
    /// The socket type.
    let type: SocketType
    /// Where the socket binds or connects.
    let endpoint: EndpointSpec

    /// The spec as `TYPE@bind:ENDPOINT` or `TYPE@connect:ENDPOINT`.
    var description: String { "\(type.name)@\(endpoint)" }

    /// Parses `TYPE@ENDPOINT`; without a `TYPE@` part, `defaultType` is used when given.
    ///
    /// - Throws: a usage ``ToolFailure`` for a missing or unknown type.
    init(parsing text: String, defaultType: SocketType? = nil) throws(ToolFailure) {
        // The type is a word before the first '@', which must come before any "://" (ipc://@name has one after).
        if let at = text.firstIndex(of: "@"), !text[..<at].isEmpty,
            text[..<at].allSatisfy({ $0.isLetter })
        {
            type = try ToolFailure.socketType(named: String(text[..<at]))
            endpoint = EndpointSpec(parsing: String(text[text.index(after: at)...]))
        } else if let defaultType {
            type = defaultType
            endpoint = EndpointSpec(parsing: text)
        } else {
            throw .usage("'\(text)' is not of the form TYPE@ENDPOINT, such as ROUTER@tcp://*:5555")
        }
    }
}
