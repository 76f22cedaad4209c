import Foundation
import Testing
import VTXTestSupport

/// `vtx monitor` and `vtx proxy`, against libzmq peers.
@Suite(.timeLimit(.minutes(2)), .enabled(if: ZMQPeer.isAvailable, "needs python3 with pyzmq (scripts/bootstrap.sh)"))
struct MonitorProxyTests {
    /// `2025-01-31T12:34:56.789Z event …`: the time, then the event.
    private func event(of line: String) -> String? {
        guard let match = line.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z (.+)/) else {
            return nil
        }
        return String(match.1)
    }

    @Test("monitor bind: prints listening, accepted and the handshake with timestamps, then stops at --count")
    func monitorBind() throws {
        let monitor = try Tool.start(["monitor", "--type", "rep", "bind:tcp://127.0.0.1:*", "--count", "3", "--duration", "30"])
        let listening = try #require(event(of: try monitor.nextLine()))
        #expect(listening.hasPrefix("listening tcp://127.0.0.1:"), "\(listening)")
        let endpoint = String(listening.dropFirst("listening ".count))
        let peer = try ZMQPeer(["--type", "REQ", "--connect", endpoint, "--stdin"])
        #expect(try monitor.exitStatus() == 0, "\(monitor.errors)")
        let events = monitor.output.compactMap(event(of:))
        #expect(events.count == 3, "\(monitor.output)")
        #expect(events.dropFirst().map { String($0.prefix(while: { $0 != " " })) } == ["accepted", "handshakeSucceeded"])
        #expect(events.last?.contains("peer=tcp://127.0.0.1:") == true)
        peer.child.closeInput()
    }

    @Test("monitor connect (ipc): connected and handshake events, ended by --duration", arguments: [true, false])
    func monitorConnect(prefixed: Bool) throws {
        let peer = try ZMQPeer(["--type", "ROUTER", "--bind", Transport.ipc.freshEndpoint(), "--stdin"])
        let endpoint = try #require(peer.endpoints.first)
        defer { unlink(String(endpoint.dropFirst("ipc://".count))) }
        let monitor = try Tool.start(["monitor", prefixed ? "connect:\(endpoint)" : endpoint, "--duration", "1.5"])
        #expect(try monitor.exitStatus() == 0, "\(monitor.errors)")
        let kinds = monitor.output.compactMap(event(of:)).map { String($0.prefix(while: { $0 != " " })) }
        #expect(kinds.contains("connected"), "\(monitor.output)")
        #expect(kinds.contains("handshakeSucceeded"), "\(monitor.output)")
        #expect(monitor.output.allSatisfy { event(of: $0) != nil }, "\(monitor.output)")
        peer.child.closeInput()
    }

    @Test("proxy ROUTER/DEALER between libzmq REQ and REP, with a capture; SIGINT ends it with counts")
    func proxy() throws {
        let backendEndpoint = Transport.ipc.freshEndpoint()
        defer { unlink(String(backendEndpoint.dropFirst("ipc://".count))) }
        let proxy = try Tool.start([
            "proxy", "--frontend", "ROUTER@bind:tcp://127.0.0.1:*", "--backend", "dealer@bind:\(backendEndpoint)",
            "--capture", "bind:tcp://127.0.0.1:*", "--duration", "60",
        ])
        let frontend = try proxy.nextLine()
        let backend = try proxy.nextLine()
        let capture = try proxy.nextLine()
        #expect(frontend.hasPrefix("frontend ROUTER bound tcp://127.0.0.1:"), "\(frontend)")
        #expect(backend == "backend DEALER bound \(backendEndpoint)")
        #expect(capture.hasPrefix("capture PUB bound tcp://127.0.0.1:"), "\(capture)")
        let endpoint = { (line: String) in String(line.split(separator: " ").last ?? "") }

        let service = try ZMQPeer(["--type", "REP", "--connect", backendEndpoint, "--echo", "100"])
        let watcher = try Tool.start(["cat", "--type", "sub", "--connect", endpoint(capture), "--timeout", "20"])
        let client = try ZMQPeer(["--type", "REQ", "--connect", endpoint(frontend), "--stdin"])
        // Requests until the capture subscriber has seen traffic (its subscription reaches the PUB a moment late).
        var rounds = 0
        repeat {
            client.run("send \(ZMQPeer.frames("ping"))")
            client.run("recv 1")
            #expect(try client.message() == ["ping"])
            rounds += 1
        } while !watcher.hasLine(within: .milliseconds(50)) && rounds < 200
        #expect(try watcher.nextLine() != "", "the capture saw no traffic")
        client.child.closeInput()
        watcher.kill()

        proxy.signal(SIGINT)
        #expect(try proxy.exitStatus() == 0, "\(proxy.errors)")
        let counts = proxy.output.suffix(2)
        #expect(counts.first?.hasPrefix("frontend: \(rounds * 3) frames in") == true, "\(proxy.output)")
        #expect(counts.last?.hasPrefix("backend: \(rounds * 3) frames in") == true, "\(proxy.output)")
        service.child.kill()
    }
}
