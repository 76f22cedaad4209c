import Foundation
import Testing
import VTX
import VTXTestSupport
import VTXUDP

/// Waits for the next beacon event, up to `timeout`.
private func nextEvent(_ beacon: Beacon, timeout: Duration) async -> BeaconEvent? {
    await withTaskGroup(of: BeaconEvent?.self) { group in
        group.addTask {
            var iterator = beacon.events.makeAsyncIterator()
            return await iterator.next()
        }
        group.addTask {
            try? await Task.sleep(for: timeout)  // Not a wait-for-event: the bound on the wait for the event above.
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

@Suite("UDP beacons", .serialized, .timeLimit(.minutes(1)))
struct BeaconTests {
    /// Two beacons on one host share a port on loopback: each hears the other (with the sender's address), not
    /// itself, and only what its prefix lets through.
    @Test func twoBeaconsOnLoopbackHearEachOther() async throws {
        let port = Int.random(in: 40000...59000)
        let (a, b) = try await onOwnThread { () throws -> (Beacon, Beacon) in
            (try Beacon(port: port, interface: "lo"), try Beacon(port: port, interface: "lo"))
        }
        #expect(a.broadcastAddress == "127.255.255.255:\(port)")
        a.subscribe()
        b.subscribe(prefix: Array("node-a".utf8))
        try a.publish(Array("node-a says hi".utf8), interval: .milliseconds(50))
        try b.publish(Array("node-b".utf8), interval: .milliseconds(50))
        let heardByA = await nextEvent(a, timeout: .seconds(5))
        let heardByB = await nextEvent(b, timeout: .seconds(5))
        #expect(heardByA?.payload == Array("node-b".utf8), "A heard \(String(describing: heardByA))")
        #expect(heardByA?.sender == "127.0.0.1")
        #expect(heardByB?.payload == Array("node-a says hi".utf8))
        b.unsubscribe()
        try await onOwnThread { a.close(); b.close() }
    }

    /// A port that cannot be bound, an interface that does not exist and an oversized payload are clear errors.
    @Test func badConfigurationsFailClearly() async throws {
        let errors = try await onOwnThread { () throws -> [VTXError?] in
            var errors: [VTXError?] = []
            errors.append(Self.error { () throws(VTXError) in _ = try Beacon(port: 0) })
            errors.append(Self.error { () throws(VTXError) in _ = try Beacon(port: 5670, interface: "no-such-interface0") })
            let beacon = try Beacon(port: Int.random(in: 40000...59000), interface: "lo")
            errors.append(Self.error { () throws(VTXError) in try beacon.publish([UInt8](repeating: 1, count: 256)) })
            beacon.close()
            return errors
        }
        #expect(errors.map { $0?.code } == [VTXError.Code.invalidArgument, .addressNotAvailable, .invalidArgument])
    }

    private static func error(_ body: () throws(VTXError) -> Void) -> VTXError? {
        do { try body() } catch { return error }
        return nil
    }

    /// The 22-byte ZRE beacon: built and parsed as RFC 36 lays it out.
    @Test func zreBeaconRoundTrips() throws {
        let uuid = (0..<16).map { UInt8($0 * 17) }
        let beacon = try ZREBeacon(uuid: uuid, port: 0xC0DE)
        #expect(beacon.bytes.count == 22)
        #expect(Array(beacon.bytes.prefix(4)) == [0x5A, 0x52, 0x45, 0x01])
        #expect(Array(beacon.bytes.suffix(2)) == [0xC0, 0xDE])
        #expect(ZREBeacon(parsing: beacon.bytes) == beacon)
        #expect(ZREBeacon(parsing: Array(beacon.bytes.dropLast())) == nil)
        #expect(ZREBeacon(parsing: [0x5A, 0x52, 0x45, 0x03] + Array(beacon.bytes.dropFirst(4))) == nil)
        #expect(throws: VTXError.self) { try ZREBeacon(uuid: [1, 2, 3], port: 1) }
    }

    /// czmq's own `zbeacon` (a C peer built here with gcc) and `vtx beacon`/`vtx discover` hear each other over
    /// IPv4 broadcast, inside a network namespace this test creates (a veth pair; czmq skips loopback interfaces), so
    /// nothing reaches a real network.
    @Test func interoperatesWithCzmqZbeacon() async throws {
        let result = try await Self.runInterop(ipv6: false)
        #expect(result.status == 0, "\(result.output) \(result.errors)")
        #expect(result.output.contains("10.77.0.1 " + Self.hex("czmq-hello")), "\(result.output)")
        #expect(result.output.contains("heard 10.77.0.1 " + Self.hex("vtx-hello")), "\(result.output)")
    }

    /// The same over IPv6 multicast (ff02::1 on the veth interface; czmq's `ZSYS_IPV6=1`).
    @Test func interoperatesWithCzmqZbeaconOverIPv6() async throws {
        let result = try await Self.runInterop(ipv6: true)
        #expect(result.status == 0, "\(result.output) \(result.errors)")
        #expect(result.output.contains { $0.hasPrefix("fe80:") && $0.hasSuffix(" " + Self.hex("czmq-hello")) },
                "\(result.output)")
        #expect(result.output.contains { $0.hasPrefix("heard fe80:") && $0.hasSuffix(" " + Self.hex("vtx-hello")) },
                "\(result.output)")
    }

    private static func hex(_ text: String) -> String {
        Array(text.utf8).map { String(format: "%02x", $0) }.joined()
    }

    /// Builds the czmq peer and runs it beside `vtx beacon` and `vtx discover` in a new network namespace.
    private static func runInterop(ipv6: Bool) async throws -> (status: Int32, output: [String], errors: [String]) {
        let vtx = try #require(builtExecutable("vtx"), "the vtx binary is not built")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vtx-zbeacon-\(getpid())-\(ipv6)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Peers/zbeacon_peer.c")
        let peer = directory.appendingPathComponent("zbeacon_peer").path
        let port = Int.random(in: 40000...59000)
        let flag = ipv6 ? "--ipv6" : ""
        let script = """
            set -e
            ip link set lo up
            sysctl -qw net.ipv6.conf.default.accept_dad=0
            sysctl -qw net.ipv6.conf.all.accept_dad=0
            ip link add vtx0 type veth peer name vtx1
            ip addr add 10.77.0.1/24 brd + dev vtx0
            ip link set vtx0 up
            ip link set vtx1 up
            export ZSYS_INTERFACE=vtx0 VTX_INTERFACE=vtx0 \(ipv6 ? "ZSYS_IPV6=1" : "")
            '\(peer)' \(port) czmq-hello vtx- 1 15000 > '\(directory.path)/czmq.out' &
            czmq=$!
            '\(vtx)' beacon \(flag) --port \(port) --payload vtx-hello --interval 100 --duration 15 &
            beacon=$!
            '\(vtx)' discover \(flag) --port \(port) --prefix czmq --count 1 --timeout 15
            wait $czmq
            kill $beacon 2>/dev/null || true
            cat '\(directory.path)/czmq.out'
            """
        return try await onOwnThread { () throws -> (status: Int32, output: [String], errors: [String]) in
            let compile = try ChildProcess(
                "/usr/bin/env", ["gcc", "-o", peer, source.path, "-lczmq", "-lzmq"], name: "gcc zbeacon_peer")
            guard try compile.exitStatus(timeout: .seconds(60)) == 0 else {
                throw ChildFailure(description: "gcc failed: \(compile.errors.joined(separator: "; "))")
            }
            let run = try ChildProcess("/usr/bin/env", ["unshare", "-n", "sh", "-c", script], name: "netns interop")
            let status = try run.exitStatus(timeout: .seconds(40))
            return (status, run.output, run.errors)
        }
    }
}
