#if canImport(Glibc)
import Glibc

private let streamSocket = Int32(SOCK_STREAM.rawValue)
private let sendFlags = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
import Darwin

private let streamSocket = SOCK_STREAM
private let sendFlags: Int32 = 0  // Darwin has no MSG_NOSIGNAL; the socket gets SO_NOSIGPIPE instead
#endif
import Foundation
import NIOCore
import VTX
import ZMTP

// The system calls under names the raw peer's own methods do not shadow.
private func systemClose(_ descriptor: Int32) -> Int32 { close(descriptor) }
private func systemSend(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
    send(descriptor, bytes.baseAddress, bytes.count, sendFlags)
}
private func systemConnect(_ descriptor: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    connect(descriptor, address, length)
}

/// Why a raw peer's call failed.
struct RawPeerError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }

    /// An error naming the failed call and the system's reason.
    static func system(_ call: String) -> RawPeerError {
        RawPeerError("\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))")
    }
}

/// How a raw peer's connection ended, as seen from the raw peer.
enum RawPeerEnding: String, Sendable {
    /// The server closed the connection (EOF).
    case closed
    /// The server reset the connection (it closed with our bytes still unread).
    case reset
    /// The connection was still open when the wait ended.
    case stillOpen
}

/// A deliberately dumb ZMTP peer on a plain blocking POSIX socket, for sending a server bytes no well-behaved
/// peer would send. Every call is bounded: the socket has short send and receive timeouts, and the waits loop on
/// them up to a deadline, so a raw peer never hangs a test. It only connects to `tcp://127.0.0.1:PORT` and
/// `ipc://PATH` endpoints.
final class RawZMTPPeer {
    private var descriptor: Int32
    /// The peer address the server reports for this connection (`tcp://127.0.0.1:PORT`; for ipc, the endpoint).
    let addressSeenByServer: String
    /// Bytes received and not yet consumed by ``receive(count:timeout:)``.
    private var inbox: [UInt8] = []

    /// Connects to `endpoint` (`tcp://127.0.0.1:PORT` or `ipc://PATH`).
    ///
    /// - Throws: ``RawPeerError`` when the endpoint has another form or the connection fails.
    init(connectingTo endpoint: String) throws {
        if endpoint.hasPrefix("tcp://127.0.0.1:"), let port = UInt16(endpoint.dropFirst("tcp://127.0.0.1:".count)) {
            descriptor = try RawZMTPPeer.openSocket(AF_INET)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            try RawZMTPPeer.connect(descriptor, to: &address)
            addressSeenByServer = "tcp://127.0.0.1:\(try RawZMTPPeer.localPort(descriptor))"
        } else if endpoint.hasPrefix("ipc:///tmp/") {
            let path = Array(endpoint.dropFirst("ipc://".count).utf8)
            descriptor = try RawZMTPPeer.openSocket(AF_UNIX)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { field in
                for (index, byte) in path.prefix(field.count - 1).enumerated() { field[index] = byte }
            }
            try RawZMTPPeer.connect(descriptor, to: &address)
            addressSeenByServer = endpoint
        } else {
            throw RawPeerError("a raw peer only connects to tcp://127.0.0.1:PORT or ipc:///tmp/…, not \(endpoint)")
        }
    }

    deinit {
        close()
    }

    /// Closes the connection (idempotent).
    func close() {
        guard descriptor >= 0 else { return }
        _ = systemClose(descriptor)
        descriptor = -1
    }

    /// Sends every byte of `bytes`.
    ///
    /// - Throws: ``RawPeerError`` when the server has closed or reset the connection, or the send timed out.
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { systemSend(descriptor, $0) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw RawPeerError.system("send")
            }
            offset += sent
        }
    }

    /// Receives exactly `count` bytes, waiting at most `timeout`.
    ///
    /// - Throws: ``RawPeerError`` when the connection ends or the time runs out first.
    func receive(count: Int, timeout: Duration = .seconds(5)) throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while inbox.count < count {
            switch readSome() {
            case .data: continue
            case .ended(let ending):
                throw RawPeerError("the connection was \(ending) after \(inbox.count) of \(count) bytes")
            case .wouldBlock:
                guard ContinuousClock.now < deadline else {
                    throw RawPeerError("only \(inbox.count) of \(count) bytes arrived within \(timeout)")
                }
            }
        }
        defer { inbox.removeFirst(count) }
        return Array(inbox.prefix(count))
    }

    /// Reads (and discards) whatever the server sends until it ends the connection or `timeout` passes.
    func waitForEnd(timeout: Duration = .seconds(5)) -> RawPeerEnding {
        let deadline = ContinuousClock.now + timeout
        while true {
            switch readSome() {
            case .data: inbox.removeAll(keepingCapacity: true)
            case .ended(let ending): return ending
            case .wouldBlock: if ContinuousClock.now >= deadline { return .stillOpen }
            }
        }
    }

    /// Collects whatever the server sends within `timeout` (and anything received earlier but not consumed).
    func bytesArriving(within timeout: Duration) -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if case .ended = readSome() { break }
        }
        defer { inbox.removeAll() }
        return inbox
    }

    // MARK: Speaking valid ZMTP

    /// Does a valid NULL handshake as a `socketType` peer: sends the greeting and READY, then reads the server's
    /// greeting and READY.
    ///
    /// - Throws: ``RawPeerError`` when the server does not answer with a ZMTP 3 greeting and a READY.
    func handshake(as socketType: String) throws {
        try send(ZMTPWire.greeting() + ZMTPWire.ready(socketType: socketType))
        try readServerHandshake()
    }

    /// Reads the server's 64-byte greeting and its READY command.
    ///
    /// - Throws: ``RawPeerError`` when they do not arrive in time or are not what a VTX server sends.
    func readServerHandshake() throws {
        let greeting = try receive(count: Greeting.size)
        guard greeting[0] == 0xFF, greeting[9] & 1 == 1, greeting[10] == 3 else {
            throw RawPeerError("the server's greeting is not ZMTP 3: \(greeting.prefix(12))")
        }
        let flags = try receive(count: 1)[0]
        guard flags & 0x04 != 0 else { throw RawPeerError("the server's first frame is not a command (flags \(flags))") }
        let size = flags & 0x02 != 0
            ? try receive(count: 8).reduce(0) { $0 << 8 | Int($1) }
            : Int(try receive(count: 1)[0])
        let body = try receive(count: size)
        guard body.starts(with: [5] + Array("READY".utf8)) else {
            throw RawPeerError("the server's first command is not READY: \(body.prefix(8))")
        }
    }

    // MARK: Plumbing

    private enum Read {
        case data
        case wouldBlock
        case ended(RawPeerEnding)
    }

    private func readSome() -> Read {
        guard descriptor >= 0 else { return .ended(.closed) }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            inbox.append(contentsOf: chunk.prefix(count))
            return .data
        }
        if count == 0 { return .ended(.closed) }
        switch errno {
        case EAGAIN, EWOULDBLOCK, EINTR: return .wouldBlock
        default: return .ended(.reset)
        }
    }

    /// A stream socket of `family` with short receive and send timeouts, so no call blocks for long.
    private static func openSocket(_ family: Int32) throws -> Int32 {
        let descriptor = socket(family, streamSocket, 0)
        guard descriptor >= 0 else { throw RawPeerError.system("socket") }
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            guard setsockopt(descriptor, SOL_SOCKET, option, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
                let error = RawPeerError.system("setsockopt")
                _ = systemClose(descriptor)
                throw error
            }
        }
        #if canImport(Darwin)
        var on: Int32 = 1  // Darwin has no MSG_NOSIGNAL: a send to a closed peer must not raise SIGPIPE
        _ = setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
        return descriptor
    }

    private static func connect<Address>(_ descriptor: Int32, to address: inout Address) throws {
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemConnect(descriptor, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
        guard result == 0 else {
            let error = RawPeerError.system("connect")
            _ = systemClose(descriptor)
            throw error
        }
    }

    private static func localPort(_ descriptor: Int32) throws -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw RawPeerError.system("getsockname") }
        return UInt16(bigEndian: address.sin_port)
    }
}

/// ZMTP bytes for raw peers, built with the ZMTP module where they are valid and by hand where they are not.
enum ZMTPWire {
    /// A greeting for `mechanism` (NULL by default) with the given version.
    static func greeting(mechanism: MechanismName = .null, major: UInt8 = 3, minor: UInt8 = 1) -> [UInt8] {
        Greeting(mechanism: mechanism, majorVersion: major, minorVersion: minor).bytes
    }

    /// Not ZMTP at all: an HTTP request.
    static let httpRequest = Array("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)

    /// What libzmq 4.x sends a ZMTP 2.0 peer: the signature, revision 1, its socket type number (libzmq's
    /// `ZMQ_PUSH` is 8), then an empty identity frame in 2.0 framing.
    static func zmtp20Greeting(socketType: UInt8) -> [UInt8] {
        [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 0x01, socketType, 0x00, 0x00]
    }

    /// The start of a READY body up to the `Socket-Type` property's name, for hand-made metadata after it.
    static let readySocketTypeName = [5] + Array("READY".utf8) + [11] + Array("Socket-Type".utf8)

    /// A command frame.
    static func command(_ command: Command) -> [UInt8] {
        encoded { FrameEncoder.encode(command, into: &$0) }
    }

    /// A READY with `Socket-Type` (when not `nil`) and any extra properties.
    static func ready(socketType: String?, extra: [(String, Frame)] = []) -> [UInt8] {
        var properties = socketType.map { [Metadata.Property(name: Metadata.socketTypeName, value: Frame($0))] } ?? []
        properties += extra.map { Metadata.Property(name: $0.0, value: $0.1) }
        return command(.ready(Metadata(properties)))
    }

    /// A data message whose frames are `frames`.
    static func message(_ frames: String...) -> [UInt8] {
        encoded { FrameEncoder.encode(Message(frames.map { Frame($0) }), into: &$0) }
    }

    /// One data frame of `bytes`, with MORE when `more` is true.
    static func dataFrame(_ bytes: [UInt8], more: Bool) -> [UInt8] {
        encoded { FrameEncoder.encode(Frame(bytes), more: more, into: &$0) }
    }

    /// A short command frame with a hand-made body (at most 255 bytes).
    static func commandFrame(body: [UInt8]) -> [UInt8] {
        [0x04, UInt8(body.count)] + body
    }

    /// The header of a long data frame announcing `size` bytes, without its body.
    static func longDataFrameHeader(size: UInt64) -> [UInt8] {
        encoded { FrameEncoder.writeHeader(flags: [], bodySize: Int(size), to: &$0) }
    }

    private static func encoded(_ write: (inout ByteBuffer) -> Void) -> [UInt8] {
        var buffer = ByteBuffer()
        write(&buffer)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}
