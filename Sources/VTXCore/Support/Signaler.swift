#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CVTXShims

/// A file descriptor that becomes readable when signalled: an `eventfd` on Linux, a pipe elsewhere.
///
/// It is the socket's readiness descriptor (like libzmq's `ZMQ_FD`), and what a blocked call waits on.
final class Signaler: @unchecked Sendable {
    /// The descriptor to poll for readability.
    let fileDescriptor: Int32
    private let writeDescriptor: Int32

    /// Makes the descriptor.
    ///
    /// - Throws: ``VTXError/Code/systemError`` when the system refuses one, most often because the process is out
    ///   of file descriptors (`EMFILE`, `ENFILE`).
    init() throws(VTXError) {
        #if os(Linux)
        let fd = cvtx_eventfd()
        guard fd >= 0 else { throw VTXError.fromErrno(errno, doing: "creating a wake-up descriptor (eventfd)") }
        fileDescriptor = fd
        writeDescriptor = fd
        #else
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw VTXError.fromErrno(errno, doing: "creating a wake-up descriptor (pipe)") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        fileDescriptor = fds[0]
        writeDescriptor = fds[1]
        #endif
    }

    deinit {
        close(fileDescriptor)
        if writeDescriptor != fileDescriptor { close(writeDescriptor) }
    }

    /// Makes the descriptor readable.
    func signal() {
        var one: UInt64 = 1
        while true {
            let written = withUnsafeBytes(of: &one) { write(writeDescriptor, $0.baseAddress, 8) }
            if written >= 0 || errno != EINTR { return }
        }
    }

    /// Clears the readable state.
    func reset() {
        var value: UInt64 = 0
        #if os(Linux)
        _ = withUnsafeMutableBytes(of: &value) { read(fileDescriptor, $0.baseAddress, 8) }
        #else
        while withUnsafeMutableBytes(of: &value, { read(fileDescriptor, $0.baseAddress, 8) }) > 0 {}
        #endif
    }

    /// Waits until the descriptor is readable or `timeoutMilliseconds` passes (-1 = forever).
    /// Returns whether it became readable.
    func wait(timeoutMilliseconds: Int32) -> Bool {
        var item = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let result = poll(&item, 1, timeoutMilliseconds)
            if result >= 0 { return result > 0 }
            if errno != EINTR { return false }
        }
    }
}
