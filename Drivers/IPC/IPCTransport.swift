#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import VTXCore
import VTXStream

/// The `ipc://` transport for ``StreamDriver``: Unix domain sockets at a path (`ipc:///tmp/x`) or, on Linux, a
/// name in the abstract namespace (`ipc://@name`, no file).
///
/// Binding a path whose socket file is left over from a dead process replaces it; binding a path a live process
/// listens on fails with ``VTXError/Code/addressInUse`` (libzmq would silently take the path over). The socket
/// file is removed when the listener closes.
public struct IPCTransport: StreamTransport {
    /// Makes the transport.
    public init() {}

    /// A reliable, ordered byte stream without a size limit.
    public var capabilities: DriverCapabilities {
        DriverCapabilities(kind: .stream, isReliable: true, isOrdered: true, supportsSecurity: true)
    }

    /// Checks the path syntax and length.
    ///
    /// - Throws: ``VTXError/Code/invalidEndpoint`` or ``VTXError/Code/invalidArgument`` (path too long).
    public func validate(_ endpoint: Endpoint, role: DriverEndpoint.Role) throws(VTXError) {
        _ = try IPCAddress(parsing: endpoint.address)
    }

    /// The address to listen on, after removing a stale socket file.
    ///
    /// - Throws: ``VTXError/Code/addressInUse`` when a live process listens at the path, or a file that is not a
    ///   socket is in the way.
    public func bindAddress(for endpoint: Endpoint) throws(VTXError) -> SocketAddress {
        let address = try IPCAddress(parsing: endpoint.address)
        if !address.isAbstract { try IPCTransport.clearStaleSocket(at: address.path) }
        return try IPCTransport.socketAddress(address)
    }

    /// The address to connect to.
    ///
    /// - Throws: ``VTXError/Code/invalidEndpoint`` for a bad address.
    public func connectAddress(for endpoint: Endpoint) throws(VTXError) -> SocketAddress {
        try IPCTransport.socketAddress(IPCAddress(parsing: endpoint.address))
    }

    private static func socketAddress(_ address: IPCAddress) throws(VTXError) -> SocketAddress {
        let path = address.isAbstract ? "\0" + address.path : address.path
        do {
            return try SocketAddress(unixDomainSocketPath: path)
        } catch {
            throw VTXError(.invalidEndpoint, "ipc address '\(address)' cannot be used: \(error)")
        }
    }

    /// Removes a socket file nobody listens on; refuses when somebody does, or when it is not a socket.
    private static func clearStaleSocket(at path: String) throws(VTXError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw VTXError(.addressInUse, "ipc path '\(path)' exists and is not a socket")
        }
        if isListening(at: path) {
            throw VTXError(.addressInUse, "ipc path '\(path)' is in use by a live listener")
        }
        unlink(path)
    }

    /// Whether a process accepts connections at `path` (a connect attempt that is not refused).
    private static func isListening(at path: String) -> Bool {
        #if os(Linux)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in bytes.prefix(buffer.count - 1).enumerated() { buffer[i] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    /// For an abstract name, a listening socket bound with libzmq's address length (the name's bytes after the
    /// leading NUL, no padding), which NIO's `SocketAddress` cannot express; `nil` for a path.
    ///
    /// - Throws: ``VTXError/Code/addressInUse`` when the name is taken, ``VTXError/Code/systemError`` otherwise.
    public func makeListeningSocket(for endpoint: Endpoint) throws(VTXError) -> NIOBSDSocket.Handle? {
        let address = try IPCAddress(parsing: endpoint.address)
        guard address.isAbstract else { return nil }
        let fd = try IPCTransport.abstractSocket(address.path, action: "bind") { fd, pointer, length in
            Glibc.bind(fd, pointer, length) == 0 && listen(fd, 100) == 0
        }
        return fd
    }

    /// For an abstract name, a socket connected with libzmq's address length; `nil` for a path.
    ///
    /// - Throws: ``VTXError/Code/connectionRefused`` when nobody listens under the name (the connecter retries).
    public func makeConnectedSocket(for endpoint: Endpoint) throws(VTXError) -> NIOBSDSocket.Handle? {
        let address = try IPCAddress(parsing: endpoint.address)
        guard address.isAbstract else { return nil }
        return try IPCTransport.abstractSocket(address.path, action: "connect") { fd, pointer, length in
            Glibc.connect(fd, pointer, length) == 0
        }
    }

    /// Makes a Unix stream socket, runs `operation` with the abstract address of `name` (leading NUL, exact
    /// length), and returns it non-blocking; closes it and throws on failure.
    private static func abstractSocket(
        _ name: String,
        action: String,
        _ operation: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Bool
    ) throws(VTXError) -> NIOBSDSocket.Handle {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw VTXError(.systemError, "socket() failed: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path[0] = 0
            for (i, byte) in bytes.prefix(path.count - 1).enumerated() { path[i + 1] = byte }
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + 1 + bytes.count)
        let succeeded = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { operation(fd, $0, length) }
        }
        guard succeeded else {
            let code = errno
            close(fd)
            switch code {
            case EADDRINUSE: throw VTXError(.addressInUse, "abstract ipc name '@\(name)' is already in use")
            case ECONNREFUSED, ENOENT: throw VTXError(.connectionRefused, "nobody listens at abstract ipc name '@\(name)'")
            default: throw VTXError(.systemError, "\(action) to abstract ipc name '@\(name)' failed: errno \(code)")
            }
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return fd
    }

    /// The endpoint itself, `ipc://PATH` (or `ipc://@name`), for a listener and a peer alike: a Unix peer has no
    /// address of its own.
    public func endpointDescription(for address: SocketAddress?, endpoint: Endpoint) -> String {
        endpoint.description
    }

    /// Removes the socket file of a path listener.
    public func listenerClosed(at address: SocketAddress, endpoint: Endpoint) {
        guard let parsed = try? IPCAddress(parsing: endpoint.address), !parsed.isAbstract else { return }
        unlink(parsed.path)
    }
}

/// The `ipc://` driver: ZMTP 3.1 over Unix domain sockets on its own event-loop thread.
public enum IPCDriver {
    /// Makes a driver instance to register for `ipc`.
    public static func make() -> StreamDriver {
        StreamDriver(transport: IPCTransport(), name: "vtx.ipc")
    }
}
