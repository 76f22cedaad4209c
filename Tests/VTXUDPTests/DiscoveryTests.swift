import Foundation
import Testing
import VTX
import VTXTestSupport
import VTXUDP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A program built beside the test bundle (`.build/debug/NAME`).
func builtExecutable(_ name: String) -> String? {
    var directories: [URL] = []
    if let executable = Bundle.main.executableURL { directories.append(executable.deletingLastPathComponent()) }
    directories.append(Bundle.main.bundleURL.deletingLastPathComponent())
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        directories.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
    }
    for directory in directories {
        let path = directory.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

@Suite("UDP discovery across processes", .serialized, .timeLimit(.minutes(1)))
struct DiscoveryTests {
    /// Two name servers (other processes) bind `udp://*:PORT`; a DEALER connecting to `udp://*:PORT` on loopback
    /// finds one; that server is killed; the DEALER finds the other once the dead one's peer timeout ends.
    @Test func clientFindsTheOtherServerWhenItsServerDies() async throws {
        let program = try #require(builtExecutable("udp-name-server"), "udp-name-server is not built")
        let port = Int.random(in: 40000...59000)
        let outcome = try await onOwnThread { () throws -> (first: Int, second: Int, recovery: Duration) in
            let servers = try (0..<2).map { index in
                try ChildProcess(program, ["server", "--port", "\(port)"], name: "name server \(index)")
            }
            defer { for server in servers { server.kill() } }
            for server in servers { _ = try server.line { $0.hasPrefix("server: listening") } }
            let vtx = VTX()
            defer { vtx.shutdown() }
            let client = try vtx.socket(.dealer)
            defer { client.close() }
            client.linger = .zero
            try client.connect("udp://*:\(port)?interface=lo&timeout=1s&heartbeat=200ms")
            /// Asks until an answer comes (the DEALER may resend freely), and says which server printed the request.
            func ask(excluding dead: Int?) throws -> Int {
                for attempt in 0..<50 {
                    try client.send(Message([Frame(), Frame("hello? \(attempt)")]))
                    if let reply = try? client.receive(timeout: .milliseconds(200)), reply.last?.string == "ack" {
                        for (index, server) in servers.enumerated() where index != dead {
                            if (try? server.line(timeout: .milliseconds(500), where: { $0.hasPrefix("hello?") })) != nil {
                                return index
                            }
                        }
                    }
                }
                throw ChildFailure(description: "no server answered within 50 requests")
            }
            let first = try ask(excluding: nil)
            servers[first].kill()
            let killed = ContinuousClock.now
            for _ in 0..<100 where (try? client.receive(timeout: .milliseconds(50))) == nil { break }  // late answers
            let second = try ask(excluding: first)
            return (first, second, ContinuousClock.now - killed)
        }
        #expect(outcome.first != outcome.second)
        #expect(outcome.recovery < .seconds(4), "found the other server only after \(outcome.recovery)")
        print("udp discovery: the client found server \(outcome.second) \(outcome.recovery) after server "
              + "\(outcome.first) was killed (peer timeout 1 s)")
    }
}
