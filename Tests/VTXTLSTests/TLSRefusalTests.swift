import Testing
import VTX
import VTXTCP
import VTXTLS

/// Verification: who is refused, with which monitor events and which words; mutual TLS; plain peers; bad files.
@Suite("tls: verification, refusals and errors", .timeLimit(.minutes(1)))
struct TLSRefusalTests {
    /// Connects a PUSH of `client` to a PULL of `server` that must refuse each other; returns the errors of the
    /// `handshakeFailed` events on the client's and the server's side, and the endpoint, after checking that
    /// nothing got through.
    private func refusal(_ server: TLSSide, _ client: TLSSide) throws -> (client: VTXError, server: VTXError, endpoint: String) {
        defer { client.finish(); server.finish() }
        let (pull, endpoint) = try server.bound(.pull)
        let serverMonitor = try pull.monitor()
        let push = try client.socket(.push)
        let clientMonitor = try push.monitor()
        try push.connect(endpoint)
        try push.send("must not arrive")
        let failures = (try clientMonitor.handshakeFailure(), try serverMonitor.handshakeFailure(), endpoint)
        #expect(throws: VTXError.timedOut) { try pull.receive(timeout: .milliseconds(100)) }
        return failures
    }

    /// A client that does not trust the server's CA refuses it; both sides report `handshakeFailed` with a reason.
    @Test func clientRefusesAnUntrustedServer() throws {
        let (refused, alerted, endpoint) = try refusal(TLSSide.server(certificate: "other-server"), TLSSide.client())
        #expect(refused.code == .handshakeFailed)
        #expect(refused.message.hasPrefix("TLS handshake with \(endpoint) failed: certificate verify failed"), "\(refused)")
        #expect(alerted.code == .handshakeFailed)
        #expect(alerted.message.contains("TLS handshake with tls://127.0.0.1:"), "\(alerted)")
        #expect(alerted.message.contains("does not trust this side's certificate"), "\(alerted)")
    }

    /// A server that requires client certificates refuses a client whose certificate it does not trust, and one
    /// that has none.
    @Test(arguments: ["other-client", nil] as [String?])
    func serverRefusesAnUntrustedClient(_ certificate: String?) throws {
        let (failure, refused, endpoint) = try refusal(
            TLSSide.server(requireClientCertificate: true),
            TLSSide.client(certificate: certificate)
        )
        let expected = certificate == nil ? "peer did not return a certificate" : "certificate verify failed"
        #expect(refused.code == .handshakeFailed)
        #expect(refused.message.contains(expected), "\(refused)")
        #expect(failure.message.hasPrefix("TLS handshake with \(endpoint) failed: "), "\(failure)")
    }

    /// Mutual TLS: the server requires a certificate, the client presents one signed by the trusted CA.
    @Test func mutualTLSSucceeds() throws {
        let server = try TLSSide.server(requireClientCertificate: true)
        let client = try TLSSide.client(certificate: "client")
        defer { client.finish(); server.finish() }
        let (rep, endpoint) = try server.bound(.rep)
        let req = try client.socket(.req)
        try req.connect(endpoint)
        try req.send("who am I?")
        #expect(try rep.receive()[0].string == "who am I?")
        try rep.send("trusted")
        #expect(try req.receive()[0].string == "trusted")
    }

    /// The client checks that the certificate names the server: one naming only `localhost` is refused when
    /// the client connects to 127.0.0.1, and accepted with `serverName: "localhost"`.
    @Test func checksTheServerName() throws {
        let server = try TLSSide.server(certificate: "name-only-server")
        let (refusing, accepting) = (try TLSSide.client(), try TLSSide.client(serverName: "localhost"))
        defer { accepting.finish(); refusing.finish(); server.finish() }
        let (pull, endpoint) = try server.bound(.pull)
        let push = try refusing.socket(.push)
        let monitor = try push.monitor()
        try push.connect(endpoint)
        let refused = try monitor.handshakeFailure()
        #expect(refused.message.hasPrefix("TLS handshake with \(endpoint) failed: the certificate does not name"), "\(refused)")

        let named = try accepting.socket(.push)
        try named.connect(endpoint)
        try named.send("by name")
        #expect(try pull.receive()[0].string == "by name")
    }

    /// A peer speaking plain ZMTP over tcp to a tls listener is dropped with a reason, while a TLS peer on the
    /// same listener keeps working, before and after.
    @Test func plainTCPPeerIsDroppedWhileTLSPeersWork() throws {
        let (server, client) = (try TLSSide.server(), try TLSSide.client())
        let plain = VTX()
        defer { plain.shutdown(); client.finish(); server.finish() }
        let (pull, endpoint) = try server.bound(.pull)
        let monitor = try pull.monitor()
        let honest = try client.socket(.push)
        try honest.connect(endpoint)
        try honest.send("first")
        #expect(try pull.receive()[0].string == "first")

        let intruder = try plain.socket(.push)
        defer { intruder.close() }
        intruder.linger = .zero
        try intruder.connect("tcp://127.0.0.1:\(try port(of: endpoint))")
        try intruder.send("plaintext")
        let dropped = try monitor.handshakeFailure()
        #expect(dropped.code == .handshakeFailed)
        #expect(dropped.message.contains("does not speak TLS"), "\(dropped)")

        try honest.send("second")
        #expect(try pull.receive()[0].string == "second")
        let late = try client.socket(.push)
        try late.connect(endpoint)
        try late.send("third")
        #expect(try pull.receive()[0].string == "third")
        #expect(throws: VTXError.timedOut) { try pull.receive(timeout: .milliseconds(100)) }
    }

    /// Bad files fail when the configuration is made, naming the file; a bad pair fails when the driver is made;
    /// a bind without a certificate fails the call.
    @Test func badFilesAndPairsFailAtOnce() throws {
        let missing = Fixture.path("missing.pem")
        let noFile = #expect(throws: VTXError.invalidArgument) {
            try TLSDriver.Configuration(certificateFile: missing, privateKeyFile: Fixture.path("server-key.pem"))
        }
        #expect(noFile?.message == "cannot read the TLS certificate file '\(missing)': No such file or directory")
        let notPEM = #expect(throws: VTXError.invalidArgument) {
            try TLSDriver.Configuration(trustFile: Fixture.path("README.md"))
        }
        #expect(notPEM?.message.contains("holds no PEM certificate") == true, "\(String(describing: notPEM))")
        let certificateAsKey = #expect(throws: VTXError.invalidArgument) {
            try TLSDriver.Configuration(certificateFile: Fixture.path("server.pem"), privateKeyFile: Fixture.path("server.pem"))
        }
        #expect(certificateAsKey?.message.contains("no unencrypted PEM private key") == true)
        #expect(throws: VTXError.invalidArgument) {
            try TLSDriver.Configuration(certificateFile: Fixture.path("server.pem"))
        }
        let mismatched = try TLSDriver.Configuration(
            certificateFile: Fixture.path("server.pem"),
            privateKeyFile: Fixture.path("client-key.pem")
        )
        let pair = #expect(throws: VTXError.invalidArgument) { _ = try TLSDriver(configuration: mismatched) }
        #expect(pair?.message.hasPrefix("the TLS configuration cannot be used: ") == true, "\(String(describing: pair))")

        let client = try TLSSide.client()
        defer { client.finish() }
        let rep = try client.socket(.rep)
        let bind = #expect(throws: VTXError.invalidArgument) { try rep.bind("tls://127.0.0.1:*") }
        #expect(bind?.message.contains("needs a TLS certificate and private key") == true)
        #expect(throws: VTXError.invalidEndpoint) { try rep.connect("tls://127.0.0.1") }
    }
}
