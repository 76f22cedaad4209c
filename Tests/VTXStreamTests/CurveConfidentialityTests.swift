import Foundation
import Testing
import VTX
import VTXTestSupport

/// What someone capturing the wire sees of a CURVE exchange: a relay in the middle records every byte, both
/// ways, and none of the plaintext is among them; the same exchange over NULL shows it (so the check can fail).
@Suite("CURVE confidentiality on the wire", .timeLimit(.minutes(1)))
struct CurveConfidentialityTests {
    private static let secret = "the-launch-code-is-0000-and-nobody-may-read-it"

    /// A REQ/REP exchange through a recording relay, with or without CURVE, in both directions and multipart;
    /// returns the relay.
    private func exchange(curve: Bool) throws -> CaptureRelay {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let server = try vtx.socket(.rep)
        let client = try vtx.socket(.req)
        defer { server.close(); client.close() }
        if curve {
            let pair = CurveKeyPair.generate()
            server.curveServer = true
            server.curveSecretKey = pair.secretKey
            client.curveServerKey = pair.publicKey
        }
        try server.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(server.lastEndpoint)
        let port = try #require(Int(endpoint.split(separator: ":").last ?? ""))
        let relay = try CaptureRelay(forwardingTo: port)
        try client.connect("tcp://127.0.0.1:\(relay.port)")
        for round in 0..<5 {
            try client.send(Message([Frame("q\(round)"), Frame(Self.secret)]))
            let request = try server.receive(timeout: .seconds(10))
            #expect(request.frameBytes == [Array("q\(round)".utf8), Array(Self.secret.utf8)])
            try server.send(Message([Frame(Self.secret), Frame("a\(round)")]))
            #expect(try client.receive(timeout: .seconds(10)).frameBytes.first == Array(Self.secret.utf8))
        }
        return relay
    }

    @Test func curveHidesThePlaintext() throws {
        let relay = try exchange(curve: true)
        #expect(relay.bytes.count > 10 * Self.secret.utf8.count, "the relay carried the exchange")
        #expect(!relay.contains(Self.secret), "the plaintext crossed the wire in the clear")
        #expect(!relay.contains("REP"), "the socket type (sent in READY) crossed in the clear")
        #expect(relay.contains("CURVE"), "the greeting names the mechanism")
    }

    @Test func nullShowsThePlaintext() throws {
        let relay = try exchange(curve: false)
        #expect(relay.contains(Self.secret))
    }
}
