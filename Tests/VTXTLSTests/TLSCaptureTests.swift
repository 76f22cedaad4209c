import Testing
import VTXTestSupport
import VTX
import VTXTLS

/// What a relay in the middle sees: over tls no plaintext, over tcp the message itself (which shows the relay
/// would catch a leak).
@Suite("tls: the wire shows no plaintext", .timeLimit(.minutes(2)))
struct TLSCaptureTests {
    static let marker = "VTX-PLAINTEXT-MARKER-7f3a91"

    @Test(arguments: ["tls", "tcp"])
    func relayCapture(_ scheme: String) async throws {
        let (server, client) = (try TLSSide.server(), try TLSSide.client())
        defer { client.finish(); server.finish() }
        let (pull, endpoint) = try server.bound(.pull, "\(scheme)://127.0.0.1:*")
        let relay = try CaptureRelay(forwardingTo: try port(of: endpoint))
        let push = try client.socket(.push)
        try push.connect("\(scheme)://127.0.0.1:\(relay.port)")
        for i in 0..<3 {
            try await push.send(Message([Frame(TLSCaptureTests.marker), Frame("part \(i)")]))
            #expect(try await pull.receive()[0].string == TLSCaptureTests.marker)
        }
        #expect(relay.bytes.count > 3 * TLSCaptureTests.marker.utf8.count, "the relay carried too little to judge")
        if scheme == "tls" {
            #expect(!relay.contains(TLSCaptureTests.marker), "the marker crossed the relay in plaintext over tls")
            #expect(!relay.contains("NULL"), "the ZMTP greeting crossed the relay in plaintext over tls")
        } else {
            #expect(relay.contains(TLSCaptureTests.marker), "the relay should see plain tcp traffic")
        }
    }
}
