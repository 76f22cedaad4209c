import Foundation
import NIOCore
import NIOPosix
import Testing
import VTX
import VTXTestSupport
import VTXUDP

/// Sends raw datagrams from a plain UDP socket on loopback.
private final class RawSender {
    private let fd: Int32
    private var target = sockaddr_in()

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw VTXError(.systemError, "socket() failed") }
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = in_port_t(UInt16(port).bigEndian)
        target.sin_addr.s_addr = inet_addr("127.0.0.1")
    }

    deinit { close(fd) }

    /// Sends to the port given at first, or to `port`.
    func send(_ bytes: [UInt8], port: Int? = nil) {
        var destination = target
        if let port { destination.sin_port = in_port_t(UInt16(port).bigEndian) }
        _ = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &destination) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// Receives one datagram within two seconds, with the port it came from.
    func receive() -> (bytes: [UInt8], port: Int)? {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 2048)
        var from = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = buffer.withUnsafeMutableBytes { bytes in
            withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, bytes.baseAddress, bytes.count, 0, $0, &length) }
            }
        }
        guard count > 0 else { return nil }
        return (Array(buffer.prefix(count)), Int(UInt16(bigEndian: from.sin_port)))
    }
}

private func be32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
}

/// A header of the VTX UDP protocol, written out by hand (the test does not use the driver's encoder).
private func header(
    magic: [UInt8] = [0x56, 0x58], version: UInt8 = 1, command: UInt8, flags: UInt8 = 0, type: UInt8 = 8,
    source: UInt32 = 0x1234, target: UInt32 = 0, sequence: UInt32 = 0, ack: UInt32 = 0
) -> [UInt8] {
    func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
    return magic + [version, command, flags, type, 0, 64] + be32(source) + be32(target) + be32(sequence) + be32(ack)
}

@Suite("UDP bad input", .serialized, .timeLimit(.minutes(1)))
struct BadInputTests {
    /// Garbage of every kind at a bound PULL that has a PUSH peer: nothing crashes, the peer keeps working, and
    /// every kind of drop is counted.
    @Test func malformedDatagramsAreDroppedAndCounted() async throws {
        let outcome = try await onOwnThread { () throws -> (delivered: [String], stats: UDPStatistics.Snapshot) in
            let h = UDPHarness()
            let pull = try h.socket(.pull, timeout: .seconds(10))
            let push = try h.socket(.push)
            defer { h.finish(push, pull) }
            try h.join(pull, push)
            try push.send("before")
            var delivered = [try pull.receive()[0].string ?? ""]
            let port = Int(pull.lastEndpoint!.split(separator: ":").last!)!
            let raw = try RawSender(port: port)
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<200 {  // random bytes of random lengths
                raw.send((0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            }
            raw.send([0x56])  // truncated
            raw.send(Array(header(command: 4).prefix(20)))  // truncated header
            raw.send(header(magic: [0x5A, 0x4D], command: 1))  // wrong magic
            raw.send(header(version: 9, command: 1))  // wrong version
            raw.send(header(command: 99))  // unknown command
            raw.send(header(command: 1) + [7])  // OPEN with a malformed body
            raw.send(header(command: 4, target: 0xDEAD_BEEF, sequence: 0) + [0, 0, 0, 0, 1, 0x41])  // DATA, no connection
            raw.send(header(command: 5, flags: 4, target: 0xCAFE_F00D, ack: 1_000_000))  // ACK, no connection
            raw.send(header(command: 6, target: 0x0BAD_CAFE))  // forged connection id
            raw.send(header(command: 7, target: 0x0BAD_CAFE))  // CLOSE for a forged id
            raw.send([UInt8](repeating: 0x56, count: 60_000))  // oversized garbage
            try push.send("after")
            delivered.append(try pull.receive()[0].string ?? "")
            // The drops are counted on the driver's thread; wait for the last kinds to show.
            let deadline = ContinuousClock.now + .seconds(5)
            var stats = h.udp.statistics.snapshot
            while stats.drops["unknown or stale connection id", default: 0] < 4 && ContinuousClock.now < deadline {
                _ = try? pull.receive(timeout: .milliseconds(20))
                stats = h.udp.statistics.snapshot
            }
            return (delivered, stats)
        }
        #expect(outcome.delivered == ["before", "after"])
        let drops = outcome.stats.drops
        #expect(drops["truncated datagram", default: 0] >= 2)
        #expect(drops["wrong magic", default: 0] >= 1)
        #expect(drops["unsupported version", default: 0] >= 1)
        #expect(drops["unknown command", default: 0] >= 1)
        #expect(drops["malformed body", default: 0] >= 1)
        #expect(drops["unknown or stale connection id", default: 0] >= 4)
        print("udp bad input: drops by reason \(drops.sorted { $0.key < $1.key })")
    }

    /// A peer written here by hand opens a real connection (OPEN, OPEN-OK), delivers a message, then sends what a
    /// confused or hostile peer would on that connection: an ACK for data never sent, DATA far beyond the window, a
    /// DATA too large for a payload, a forged target id, a command out of place, and DATA after CLOSE (a stale
    /// id). Each is dropped and counted, and a well-behaved PUSH on the same PULL keeps working.
    @Test func confusedPeerOnAnOpenConnection() async throws {
        let outcome = try await onOwnThread { () throws -> (delivered: [String], stats: UDPStatistics.Snapshot) in
            let h = UDPHarness()
            let pull = try h.socket(.pull, timeout: .seconds(10))
            let push = try h.socket(.push)
            defer { h.finish(push, pull) }
            try h.join(pull, push)
            let port = Int(pull.lastEndpoint!.split(separator: ":").last!)!
            let raw = try RawSender(port: port)
            // OPEN as a PUSH with id 0x1234: [reliable][timeout 5000 ms][no routing id].
            raw.send(header(command: 1, type: 8, source: 0x1234) + [0, 0, 0, 0x13, 0x88, 0])
            guard let answer = raw.receive(), answer.bytes.count >= 24, answer.bytes[3] == 2 else {
                throw VTXError(.handshakeFailed, "no OPEN-OK")
            }
            let server = be32(answer.bytes, at: 8)
            let session = answer.port
            // DATA seq 0: one message, one frame "raw".
            raw.send(header(command: 4, flags: 1, source: 0x1234, target: server, sequence: 0) + [0, 0, 0, 0, 3] + Array("raw".utf8), port: session)
            var delivered = [try pull.receive()[0].string ?? ""]
            raw.send(header(command: 5, flags: 4, source: 0x1234, target: server, ack: 5000) + [0, 0], port: session)  // ACK for data never sent
            raw.send(header(command: 4, flags: 1, source: 0x1234, target: server, sequence: 100_000) + [0, 0, 0, 0, 1, 0x41], port: session)
            raw.send(header(command: 4, flags: 1, source: 0x1234, target: server, sequence: 1) + [UInt8](repeating: 0, count: 5000), port: session)
            raw.send(header(command: 4, flags: 1, source: 0x1234, target: server &+ 1, sequence: 1), port: session)  // forged id
            raw.send(header(command: 6, source: 0x9999, target: server), port: session)  // right id, wrong source id
            raw.send(header(command: 2, source: 0x1234, target: server), port: session)  // OPEN-OK out of place
            raw.send(header(command: 7, source: 0x1234, target: server), port: session)  // CLOSE
            raw.send(header(command: 4, flags: 1, source: 0x1234, target: server, sequence: 1) + [0, 0, 0, 0, 1, 0x42], port: session)  // stale
            try push.send("still working")
            delivered.append(try pull.receive()[0].string ?? "")
            let deadline = ContinuousClock.now + .seconds(5)
            var stats = h.udp.statistics.snapshot
            while stats.drops["unknown or stale connection id", default: 0] < 2 && ContinuousClock.now < deadline {
                _ = try? pull.receive(timeout: .milliseconds(20))
                stats = h.udp.statistics.snapshot
            }
            return (delivered, stats)
        }
        #expect(outcome.delivered == ["raw", "still working"])
        let drops = outcome.stats.drops
        #expect(drops["acknowledgement of data never sent", default: 0] >= 1)
        #expect(drops["sequence outside the receive window", default: 0] >= 1)
        #expect(drops["datagram larger than the maximum payload", default: 0] >= 1)
        #expect(drops["connection id from the wrong address", default: 0] >= 1)
        #expect(drops["command not expected here", default: 0] >= 1)
        #expect(drops["unknown or stale connection id", default: 0] >= 2)
        print("udp confused peer: drops by reason \(drops.sorted { $0.key < $1.key })")
    }
}
