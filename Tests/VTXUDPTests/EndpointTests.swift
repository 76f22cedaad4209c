import Foundation
import Testing
import VTX
import VTXTestSupport
import VTXUDP

@Suite("UDP endpoints and limits", .serialized, .timeLimit(.minutes(1)))
struct EndpointTests {
    /// `udp://[::1]:PORT` binds and connects over IPv6 loopback.
    @Test func ipv6Loopback() async throws {
        let reply = try await onOwnThread { () throws -> String in
            let h = UDPHarness()
            let server = try h.socket(.rep, timeout: .seconds(10))
            let client = try h.socket(.req, timeout: .seconds(10))
            defer { h.finish(client, server) }
            try server.bind("udp://[::1]:*")
            let endpoint = try #require(server.lastEndpoint)
            try client.connect(endpoint)
            try client.send("over IPv6")
            try server.send(Message("echo: " + (try server.receive()[0].string ?? "")))
            return try client.receive()[0].string ?? ""
        }
        #expect(reply == "echo: over IPv6")
    }

    /// A message larger than the receiver's `max-message` ends the connection with `messageTooLarge` before it
    /// is reassembled; smaller ones before it arrive.
    @Test func messageOverTheLimitDropsThePeer() async throws {
        let outcome = try await onOwnThread { () throws -> (first: String, event: MonitorEvent?) in
            let h = UDPHarness()
            let pull = try h.socket(.pull, timeout: .seconds(10))
            let push = try h.socket(.push)
            defer { h.finish(push, pull) }
            let events = try pull.monitor()
            let endpoint = try h.bind(pull, options: "max-message=10000")
            try push.connect(endpoint.replacingOccurrences(of: "?max-message=10000", with: ""))
            try push.send("small")
            let first = try pull.receive()[0].string ?? ""
            try push.send(Message(Frame([UInt8](repeating: 7, count: 50_000))))
            return (first, events.next(.disconnected, timeout: .seconds(10)))
        }
        #expect(outcome.first == "small")
        #expect(outcome.event?.error?.code == .messageTooLarge, "\(String(describing: outcome.event))")
    }

    /// Malformed options fail the bind with `invalidEndpoint` naming the option.
    @Test func badOptionsAreRefused() async throws {
        let errors = try await onOwnThread { () throws -> [VTXError?] in
            let h = UDPHarness()
            let socket = try h.socket(.pull)
            defer { h.finish(socket) }
            return ["udp://127.0.0.1:*?window=3", "udp://127.0.0.1:*?delivery=sometimes", "udp://127.0.0.1:*?timeout=soon"]
                .map { (endpoint: String) -> VTXError? in
                    do throws(VTXError) { try socket.bind(endpoint) } catch { return error }
                    return nil
                }
        }
        #expect(errors.allSatisfy { $0?.code == .invalidEndpoint }, "\(errors)")
        #expect(errors.first??.message.contains("window=3") == true)
    }
}
