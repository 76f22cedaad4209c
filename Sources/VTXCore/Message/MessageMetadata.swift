/// The properties of a peer, attached to every message received from it.
///
/// One instance is shared by all messages from the same peer connection. Names are compared case-insensitively,
/// as ZMTP metadata names are.
public final class MessageMetadata: Sendable, CustomStringConvertible {
    /// The name of the property that holds the peer's socket type.
    public static let socketType = "Socket-Type"
    /// The name of the property that holds the peer's routing id.
    public static let routingId = "Routing-Id"
    /// The name of the property that holds the peer's address.
    public static let peerAddress = "Peer-Address"
    /// The name of the property that holds the user id that authentication assigned to the peer.
    public static let userId = "User-Id"

    /// The properties in the order they were given.
    public let properties: [(name: String, value: String)]

    /// Makes metadata from name/value pairs.
    public init(_ properties: [(name: String, value: String)]) {
        self.properties = properties
    }

    /// The value of the property called `name`, compared case-insensitively; `nil` when absent.
    public subscript(name: String) -> String? {
        let wanted = name.lowercased()
        if wanted == "identity" { return self[MessageMetadata.routingId] }
        return properties.first { $0.name.lowercased() == wanted }?.value
    }

    /// The properties as `name=value` pairs.
    public var description: String {
        properties.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
    }
}
