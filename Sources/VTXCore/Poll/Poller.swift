#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Readiness a ``Poller`` waits for or reports.
public struct PollEvents: OptionSet, Sendable, Hashable {
    /// The raw bits.
    public let rawValue: UInt8

    /// Wraps raw bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// A receive would not block (libzmq's `ZMQ_POLLIN`).
    public static let readable = PollEvents(rawValue: 1)
    /// A send would not block (libzmq's `ZMQ_POLLOUT`).
    public static let writable = PollEvents(rawValue: 2)
}

/// Waits on many sockets, and plain file descriptors, until one is ready (libzmq's `zmq_poller`).
///
/// Like a socket, a poller is used by one thread at a time, and so are the sockets in it while it waits.
public final class Poller {
    /// One ready item, as ``wait(timeout:)`` reports it.
    public struct Item {
        /// The socket, or `nil` for a plain descriptor.
        public let socket: Socket?
        /// The plain descriptor, or `nil` for a socket.
        public let fileDescriptor: Int32?
        /// What it is ready for (a subset of what was asked).
        public let events: PollEvents
    }

    private enum Entry {
        case socket(Socket, PollEvents)
        case descriptor(Int32, PollEvents)
    }

    private var entries: [Entry] = []

    /// Makes an empty poller.
    public init() {}

    /// The number of sockets and descriptors registered.
    public var count: Int { entries.count }

    /// Watches a socket for the given readiness.
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` when the socket is already registered.
    public func add(_ socket: Socket, events: PollEvents = .readable) throws(VTXError) {
        guard index(of: socket) == nil else {
            throw VTXError(.invalidArgument, "\(socket) is already in the poller")
        }
        entries.append(.socket(socket, events))
    }

    /// Watches a plain file descriptor (a pipe, a network socket of another library) for the given readiness.
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` when the descriptor is already registered.
    public func add(fileDescriptor: Int32, events: PollEvents = .readable) throws(VTXError) {
        guard index(of: fileDescriptor) == nil else {
            throw VTXError(.invalidArgument, "descriptor \(fileDescriptor) is already in the poller")
        }
        entries.append(.descriptor(fileDescriptor, events))
    }

    /// Changes the readiness watched for a registered socket.
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` when the socket is not registered.
    public func modify(_ socket: Socket, events: PollEvents) throws(VTXError) {
        guard let i = index(of: socket) else { throw VTXError(.invalidArgument, "\(socket) is not in the poller") }
        entries[i] = .socket(socket, events)
    }

    /// Stops watching a socket.
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` when the socket is not registered.
    public func remove(_ socket: Socket) throws(VTXError) {
        guard let i = index(of: socket) else { throw VTXError(.invalidArgument, "\(socket) is not in the poller") }
        entries.remove(at: i)
    }

    /// Stops watching a descriptor.
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` when the descriptor is not registered.
    public func remove(fileDescriptor: Int32) throws(VTXError) {
        guard let i = index(of: fileDescriptor) else {
            throw VTXError(.invalidArgument, "descriptor \(fileDescriptor) is not in the poller")
        }
        entries.remove(at: i)
    }

    private func index(of socket: Socket) -> Int? {
        entries.firstIndex { if case .socket(let s, _) = $0 { return s === socket } else { return false } }
    }

    private func index(of descriptor: Int32) -> Int? {
        entries.firstIndex { if case .descriptor(let d, _) = $0 { return d == descriptor } else { return false } }
    }

    /// Waits until at least one registered item is ready, or the timeout passes.
    ///
    /// - Parameter timeout: how long to wait; `nil` waits forever, `.zero` only checks.
    /// - Returns: the ready items (empty when the timeout passed).
    /// - Throws: ``VTXError/Code/terminated`` when a socket's manager was shut down,
    ///   ``VTXError/Code/socketClosed`` when a registered socket was closed, ``VTXError/Code/invalidArgument``
    ///   when waiting forever on nothing.
    public func wait(timeout: Duration?) throws(VTXError) -> [Item] {
        if entries.isEmpty && timeout == nil {
            throw VTXError(.invalidArgument, "waiting forever on an empty poller would never return")
        }
        let deadline = timeout.map { ContinuousClock.now + $0 }
        var descriptors: [pollfd] = []
        descriptors.reserveCapacity(entries.count)
        while true {
            var ready: [Item] = []
            descriptors.removeAll(keepingCapacity: true)
            for entry in entries {
                switch entry {
                case .socket(let socket, let wanted):
                    try socket.refreshState()
                    var events: PollEvents = []
                    if wanted.contains(.readable) && socket.isReadable { events.insert(.readable) }
                    if wanted.contains(.writable) && socket.isWritable { events.insert(.writable) }
                    try socket.checkTerminated()
                    if !events.isEmpty { ready.append(Item(socket: socket, fileDescriptor: nil, events: events)) }
                    descriptors.append(pollfd(fd: socket.fileDescriptor, events: Int16(POLLIN), revents: 0))
                case .descriptor(let fd, let wanted):
                    var mask: Int16 = 0
                    if wanted.contains(.readable) { mask |= Int16(POLLIN) }
                    if wanted.contains(.writable) { mask |= Int16(POLLOUT) }
                    descriptors.append(pollfd(fd: fd, events: mask, revents: 0))
                }
            }
            // Plain descriptors: check them without waiting, alongside the sockets.
            var waitMilliseconds: Int32 = -1
            if !ready.isEmpty {
                waitMilliseconds = 0
            } else if let deadline {
                let left = deadline - .now
                waitMilliseconds = left <= .zero ? 0 : Int32(clamping: left.milliseconds + 1)
            }
            var result: Int32
            repeat {
                result = descriptors.isEmpty
                    ? { if waitMilliseconds > 0 { usleep(UInt32(waitMilliseconds) * 1000) }; return 0 }()
                    : poll(&descriptors, nfds_t(descriptors.count), waitMilliseconds)
            } while result < 0 && errno == EINTR
            for (i, entry) in entries.enumerated() {
                guard case .descriptor(let fd, _) = entry else { continue }
                let revents = descriptors[i].revents
                var events: PollEvents = []
                if revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { events.insert(.readable) }
                if revents & Int16(POLLOUT) != 0 { events.insert(.writable) }
                if !events.isEmpty { ready.append(Item(socket: nil, fileDescriptor: fd, events: events)) }
            }
            if !ready.isEmpty { return ready }
            if let deadline, deadline <= .now { return [] }
            if result == 0 && waitMilliseconds == 0 { return [] }
        }
    }
}
