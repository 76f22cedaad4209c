import Foundation
import Testing
import VTXTestSupport

/// `vtx cat` over udp (with broadcast discovery), `vtx beacon` and `vtx discover`, all on loopback: the broadcast
/// interface is `lo` (127.255.255.255), set through `VTX_INTERFACE`.
@Suite("vtx over udp: cat, beacon, discover", .serialized, .timeLimit(.minutes(1)))
struct UDPCommandTests {
    /// Runs `vtx` with `VTX_INTERFACE=lo`.
    private static func start(_ arguments: [String]) throws -> ChildProcess {
        guard let path = Tool.path else { throw ChildFailure(description: "the vtx binary was not found") }
        return try ChildProcess("/usr/bin/env", ["VTX_INTERFACE=lo", path] + arguments, name: "vtx \(arguments.joined(separator: " "))")
    }

    private static func port() -> String { "\(Int.random(in: 40000...59000))" }

    @Test("cat: a REQ connecting to udp://*:PORT finds the REP by broadcast")
    func catDiscoversTheServer() async throws {
        let port = Self.port()
        let (status, output) = try await onOwnThread { () throws -> (Int32, [String]) in
            let server = try Self.start(["cat", "--type", "rep", "--echo", "--bind", "udp://*:\(port)", "--count", "1", "--timeout", "20"])
            defer { server.kill() }
            let client = try Self.start(["cat", "--type", "req", "--connect", "udp://*:\(port)", "--timeout", "20"])
            client.write("hello?\n")
            client.closeInput()
            let status = try client.exitStatus(timeout: .seconds(30))
            return (status, client.output)
        }
        #expect(status == 0)
        #expect(output == ["hello?"])
    }

    @Test("cat: PUSH to PULL over udp://127.0.0.1")
    func catPushPull() async throws {
        let port = Self.port()
        let output = try await onOwnThread { () throws -> [String] in
            let pull = try Self.start(["cat", "--type", "pull", "--bind", "udp://127.0.0.1:\(port)", "--count", "3", "--timeout", "20"])
            defer { pull.kill() }
            let push = try Self.start(["cat", "--type", "push", "--connect", "udp://127.0.0.1:\(port)", "--timeout", "20"])
            push.write("1\n2\n3\n")
            push.closeInput()
            guard try push.exitStatus(timeout: .seconds(30)) == 0 else { throw push.failure("push failed") }
            guard try pull.exitStatus(timeout: .seconds(30)) == 0 else { throw pull.failure("pull failed") }
            return pull.output
        }
        #expect(output == ["1", "2", "3"])
    }

    @Test("beacon and discover: one line per beacon, the sender's address and the payload in hex")
    func beaconAndDiscover() async throws {
        let port = Self.port()
        let (status, output) = try await onOwnThread { () throws -> (Int32, [String]) in
            let beacon = try Self.start(["beacon", "--port", port, "--payload", "hi!", "--interval", "100", "--duration", "20"])
            defer { beacon.kill() }
            let discover = try Self.start(["discover", "--port", port, "--prefix", "hi", "--count", "2", "--timeout", "20"])
            return (try discover.exitStatus(timeout: .seconds(30)), discover.output)
        }
        #expect(status == 0)
        #expect(output == ["127.0.0.1 686921", "127.0.0.1 686921"])
    }

    @Test("discover exits 1 when --timeout passes first")
    func discoverTimesOut() async throws {
        let port = Self.port()
        let (status, errors) = try await onOwnThread { () throws -> (Int32, [String]) in
            let discover = try Self.start(["discover", "--port", port, "--count", "1", "--timeout", "0.5"])
            return (try discover.exitStatus(timeout: .seconds(30)), discover.errors)
        }
        #expect(status == 1)
        #expect(errors.count == 1 && errors[0].hasPrefix("vtx discover:"), "\(errors)")
    }
}
