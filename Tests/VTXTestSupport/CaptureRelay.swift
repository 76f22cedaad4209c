import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A TCP relay on 127.0.0.1 that forwards one connection to `target` and records every byte it carries, both
/// ways: what a person capturing the traffic on the wire would see. Its threads stop when either side closes, or
/// after `deadline` at the latest.
public final class CaptureRelay: Sendable {
    /// Why a relay could not start.
    public struct SetupFailure: Error, CustomStringConvertible {
        /// What failed.
        public let description: String
    }

    /// The port clients connect to.
    public let port: Int
    private let listener: Int32
    private let captured = Guarded<[UInt8]>([])

    /// Listens on an ephemeral port of 127.0.0.1 and forwards the first connection to `target` on 127.0.0.1;
    /// with `flippingClientByteAt`, it inverts the lowest bit of that byte of the client's stream (counted from 0),
    /// as an attacker on the path would.
    ///
    /// - Throws: ``SetupFailure`` when it cannot listen.
    public init(forwardingTo target: Int, flippingClientByteAt flip: Int? = nil, deadline: Duration = .seconds(30)) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw SetupFailure(description: "the relay cannot make a socket") }
        self.listener = listener
        var address = CaptureRelay.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 && listen(listener, 1) == 0
            }
        }
        guard listening else {
            close(listener)
            throw SetupFailure(description: "the relay cannot listen")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let captured = self.captured
        let end = ContinuousClock.now + deadline
        Thread {
            guard CaptureRelay.waitReadable(listener, until: end) else { return }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var targetAddress = CaptureRelay.loopback(port: target)
            let connected = withUnsafePointer(to: &targetAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            guard connected else {
                close(client)
                close(server)
                return
            }
            let done = DispatchGroup()
            for (from, to, flipAt) in [(client, server, flip), (server, client, nil)] {
                done.enter()
                Thread {
                    CaptureRelay.pump(from: from, to: to, into: captured, flipping: flipAt, until: end)
                    shutdown(to, Int32(SHUT_WR))
                    done.leave()
                }.start()
            }
            done.wait()
            close(client)
            close(server)
        }.start()
    }

    deinit { close(listener) }

    /// Everything the relay carried so far, both directions interleaved as it arrived.
    public var bytes: [UInt8] { captured.withLock { $0 } }

    /// Whether `marker` appears anywhere in what the relay carried.
    public func contains(_ marker: String) -> Bool {
        let needle = Array(marker.utf8)
        let haystack = bytes
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }

    private static func pump(
        from: Int32,
        to: Int32,
        into captured: Guarded<[UInt8]>,
        flipping flip: Int?,
        until end: ContinuousClock.Instant
    ) {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var carried = 0
        while waitReadable(from, until: end) {
            let count = chunk.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            if let flip, flip >= carried, flip < carried + count { chunk[flip - carried] ^= 0x01 }
            carried += count
            captured.withLock { $0 += chunk[..<count] }
            var sent = 0
            while sent < count {
                let result = chunk.withUnsafeBytes { send(to, $0.baseAddress! + sent, count - sent, Int32(MSG_NOSIGNAL)) }
                guard result > 0 else { return }
                sent += result
            }
        }
    }

    /// Waits (in slices of 100 ms) until `descriptor` is readable or `end` passes.
    private static func waitReadable(_ descriptor: Int32, until end: ContinuousClock.Instant) -> Bool {
        while ContinuousClock.now < end {
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            if poll(&entry, 1, 100) > 0 { return true }
        }
        return false
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }
}
