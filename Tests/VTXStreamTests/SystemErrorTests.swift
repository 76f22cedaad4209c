import NIOCore
import Testing
import VTXCore
@testable import VTXStream

#if canImport(Glibc)
import Glibc
#endif

/// Errors from NIO and the system become VTX errors with the closest code and a sentence a person can read: what
/// was being done and the system's reason, without NIO's call names or raw errno numbers.
@Suite("System errors", .timeLimit(.minutes(1)))
struct SystemErrorTests {
    @Test(arguments: [
        (ECONNREFUSED, VTXError.Code.connectionRefused, "Connection refused"),
        (EADDRINUSE, .addressInUse, "Address already in use"),
        (EADDRNOTAVAIL, .addressNotAvailable, "Cannot assign requested address"),
        (ETIMEDOUT, .timedOut, "timed out"),
        (EMFILE, .systemError, "out of file descriptors"),
        (ECONNRESET, .systemError, "Connection reset by peer"),
    ])
    func systemCallFailures(errno code: Int32, expected: VTXError.Code, reason: String) {
        let error = VTXError.fromSystem(IOError(errnoCode: code, reason: "connect(descriptor:addr:size:)"), doing: "connecting to tcp://127.0.0.1:1")
        #expect(error.code == expected)
        #expect(error.message.hasPrefix("connecting to tcp://127.0.0.1:1 failed: "), "\(error.message)")
        #expect(error.message.contains(reason), "\(error.message)")
        #expect(!error.message.contains("descriptor:") && !error.message.contains("errno"), "\(error.message)")
    }

    @Test func nioErrors() {
        let slow = VTXError.fromSystem(ChannelError.connectTimeout(.seconds(2)), doing: "connecting")
        #expect(slow.code == .timedOut)
        #expect(slow.message == "connecting timed out after 2.0 seconds")
        let closed = VTXError.fromSystem(ChannelError.eof, doing: "the connection with peer")
        #expect(closed.message == "the connection with peer failed: the connection is closed")
        let original = VTXError(.handshakeFailed, "kept as it is")
        #expect(VTXError.fromSystem(original, doing: "anything").message == "kept as it is")
    }
}
