import VTXCore

/// A parsed `ipc://` address: a filesystem path, or a Linux abstract-namespace name written `@name`.
public struct IPCAddress: Sendable, Hashable, CustomStringConvertible {
    /// The longest path accepted: `sun_path` holds 108 bytes, and SwiftNIO keeps 4 of them in reserve.
    public static let maximumPathLength = 103

    /// The path, or the abstract name without its `@`.
    public let path: String
    /// Whether this is a Linux abstract-namespace name (`ipc://@name`).
    public let isAbstract: Bool

    /// Parses the address part of an `ipc://` endpoint.
    ///
    /// - Throws: ``VTXError/Code/invalidEndpoint`` for an empty path or a bare `@`; ``VTXError/Code/invalidArgument``
    ///   when the path is longer than ``maximumPathLength`` bytes (libzmq: `ENAMETOOLONG`).
    public init(parsing text: String) throws(VTXError) {
        if text.hasPrefix("@") {
            let name = String(text.dropFirst())
            guard !name.isEmpty else {
                throw VTXError(.invalidEndpoint, "ipc address '@' needs a name after the '@'")
            }
            path = name
            isAbstract = true
        } else {
            guard !text.isEmpty else { throw VTXError(.invalidEndpoint, "ipc address is empty") }
            path = text
            isAbstract = false
        }
        guard path.utf8.count + (isAbstract ? 1 : 0) <= IPCAddress.maximumPathLength else {
            throw VTXError(
                .invalidArgument,
                "ipc path '\(text)' is \(path.utf8.count) bytes; a Unix socket path holds at most \(IPCAddress.maximumPathLength)"
            )
        }
    }

    /// The address as written after `ipc://`.
    public var description: String { isAbstract ? "@\(path)" : path }
}
