import NIOCore
import NIOPosix
import VTXCore

extension VTXError {
    /// Maps an error from NIO or the system to the closest VTX error, in words a person can act on: what was being
    /// done and the system's reason ("connecting to tcp://127.0.0.1:5555 failed: Connection refused"), without
    /// NIO's internal call names.
    static func fromSystem(_ error: any Error, doing action: String) -> VTXError {
        switch error {
        case let error as VTXError:
            return error
        case let error as IOError:
            return fromErrno(error.errnoCode, doing: action)
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first {
                return fromSystem(first.error, doing: action)
            }
            return VTXError(.addressNotAvailable, "\(action) failed: the host name '\(error.host)' could not be resolved")
        case let error as SocketAddressError.UnknownHost:
            return VTXError(.addressNotAvailable, "\(action) failed: the host name '\(error.host)' could not be resolved")
        case let error as SocketAddressError:
            if case .unknown(let host, _) = error {
                return VTXError(.addressNotAvailable, "\(action) failed: the host name '\(host)' could not be resolved")
            }
            return VTXError(.invalidEndpoint, "\(action) failed: \(error)")
        case ChannelError.connectTimeout(let amount):
            return VTXError(.timedOut, "\(action) timed out after \(Duration.nanoseconds(amount.nanoseconds))")
        case ChannelError.eof, ChannelError.ioOnClosedChannel, ChannelError.alreadyClosed, ChannelError.outputClosed:
            return VTXError(.systemError, "\(action) failed: the connection is closed")
        default:
            return VTXError(.systemError, "\(action) failed: \(error)")
        }
    }
}
