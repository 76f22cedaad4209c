import Synchronization

/// The part of a socket that other threads may touch: its identity, mailbox, monitors and closed flag.
///
/// Drivers and the manager hold links, never sockets, so a socket dropped by its user is freed.
final class SocketLink: Sendable {
    let id: UInt64
    let type: SocketType
    let mailbox: Mailbox
    let monitors = MonitorHub()
    private let closed = Atomic<Bool>(false)

    init(id: UInt64, type: SocketType) throws(VTXError) {
        self.id = id
        self.type = type
        self.mailbox = try Mailbox()
    }

    var isClosed: Bool { closed.load(ordering: .acquiring) }

    func markClosed() { closed.store(true, ordering: .releasing) }

    func terminate() { mailbox.push(.terminate) }
}
