#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension VTXError {
    /// The VTX error for a failed system call's `errno`: the closest code, and "`action` failed: " with the
    /// system's description of it (plus what to do when the process is out of file descriptors). Shared by the
    /// core and the drivers of this package.
    package static func fromErrno(_ code: Int32, doing action: String) -> VTXError {
        let vtxCode: Code
        switch code {
        case EADDRINUSE: vtxCode = .addressInUse
        case EADDRNOTAVAIL: vtxCode = .addressNotAvailable
        case ECONNREFUSED: vtxCode = .connectionRefused
        case EACCES, EPERM: vtxCode = .invalidArgument
        case ETIMEDOUT: vtxCode = .timedOut
        default: vtxCode = .systemError
        }
        var reason = String(cString: strerror(code))
        if code == EMFILE || code == ENFILE {
            reason += "; the process is out of file descriptors (raise `ulimit -n`)"
        }
        return VTXError(vtxCode, "\(action) failed: \(reason)")
    }
}
