import Testing
import VTX
import VTXTLS

/// Verification: who is refused, with which monitor events and which words; mutual TLS; plain peers; bad files.
@Suite("tls: verification, refusals and errors", .timeLimit(.minutes(2)))
struct TLSRefusalTests {
    /// Connects a PUSH of `client` to a PULL of `server` that must refuse each other; returns the errors of the
    /// `handshakeFailed` events on the client's and the server's side, and the endpoint, after checking that
    /// nothing got through.
    private func refusal(_ server: TLSSide, _ client: TLSSide) async throws -> (client: VTXError, server: VTXError, endpoint: String) {
        defer { client.finish(); server.finish() }
        let (pull, endpoint) = try server.bound(.pull)
        let serverMonitor = try pull.monitor()
        let push = try client.socket(.push)
        let clientMonitor = try push.monitor()
        try push.connect(endpoint)
        try await push.send("must not arrive")
        let failures = (try await clientMonitor.handshakeFailure(), try await serverMonitor.handshakeFailure(), endpoint)
        await expectNothingArrives(at: pull)
        return failures
    }

    /// A client that does not trust the server's CA refuses it; both sides report `handshakeFailed` with a reason.
    @Test func clientRefusesAnUntrustedServer() async throws {
        let (refused, alerted, endpoint) = try await refusal(TLSSide.server(certificate: "other-server"), TLSSide.client())
        #expect(refused.code == .handshakeFailed)
        #expect(refused.message.hasPrefix("TLS handshake with \(endpoint) failed: certificate verify failed"), "\(refused)")
        #expect(alerted.code == .handshakeFailed)
        #expect(alerted.message.contains("TLS handshake with tls://127.0.0.1:"), "\(alerted)")
        #expect(alerted.message.contains("does not trust this side's certificate"), "\(alerted)")
    }

    /// A server that requires client certificates refuses a client whose certificate it does not trust, and one
    /// that has none.
    @Test(arguments: ["other-client", nil] as [String?])
    func serverRefusesAnUntrustedClient(_ certificate: String?) async throws {
        let (failure, refused, endpoint) = try await refusal(
            TLSSide.server(requireClientCertificate: true),
            TLSSide.client(certificate: certificate)
        )
        let expected = certificate == nil ? "peer did not return a certificate" : "certificate verify failed"
        #expect(refused.code == .handshakeFailed)
        #expect(refused.message.contains(expected), "\(refused)")
        #expect(failure.message.hasPrefix("TLS handshake with \(endpoint) failed: "), "\(failure)")
    }

    /// Mutual TLS: the server requires a certificate, the client presents one signed by the trusted CA.
    @Test func mutualTLSSucceeds() async throws {
        let server = try TLSSide.server(requireClientCertificate: true)
        let client = try TLSSide.client(certificate: "client")
        defer { client.finish(); server.finish() }
        let (rep, endpoint) = try server.bound(.rep)
        let req = try client.socket(.req)
        try req.connect(endpoint)
        try await req.send("who am I?")
        #expect(try await rep.receive()[0].string == "who am I?")
        try await rep.send("trusted")
        #expect(try await req.receive()[0].string == "trusted")
    }

    /// The client checks that the certificate names the server: one naming only `localhost` is refused when
    /// the client connects to 127.0.0.1, and accepted with `serverName: "localhost"`.
    @Test func checksTheServerName() async throws {
        let server = try TLSSide.server(certificate: "name-only-server")
        let (refusing, accepting) = (try TLSSide.client(), try TLSSide.client(serverName: "localhost"))
        defer { accepting.finish(); refusing.finish(); server.finish() }
        let (pull, endpoint) = try server.bound(.pull)
        let push = try refusing.socket(.push)
        let monitor = try push.monitor()
        try push.connect(endpoint)
        let refused = try await monitor.handshakeFailure()
        #expect(refused.message.hasPrefix("TLS handshake with \(endpoint) failed: the certificate does not name"), "\(refused)")

        let named = try accepting.socket(.push)
        try named.connect(endpoint)
        try await named.send("by name")
        #expect(try await pull.receive()[0].string == "by name")
    }

    /// A peer speaking plain ZMTP over tcp to a tls listener is dropped with a reason, while a TLS peer on the
    /// same listener keeps working, before and after.
    @Test func plainTCPPeerIsDroppedWhileTLSPeersWork() async throws {
        let (server, client) = (try TLSSide.server(), try TLSSide.client())
        let plain = VTX()
        defer { plain.shutdown(); client.finish(); server.finish() }
        let (pull, endpoint) = try server.bound(.pull)
        let monitor = try pull.monitor()
        let honest = try client.socket(.push)
        try honest.connect(endpoint)
        try await honest.send("first")
        #expect(try await pull.receive()[0].string == "first")

        let intruder = try plain.socket(.push)
        defer { intruder.close() }
        intruder.linger = .zero
        try intruder.connect("tcp://127.0.0.1:\(try port(of: endpoint))")
        // Its ZMTP greeting is what the listener sees first (sending would race the intruder's own give-up, since the
        // listener's TLS alert is a protocol error to it).
        let dropped = try await monitor.handshakeFailure()
        #expect(dropped.code == .handshakeFailed)
        #expect(dropped.message.contains("does not speak TLS"), "\(dropped)")

        try await honest.send("second")
        #expect(try await pull.receive()[0].string == "second")
        let late = try client.socket(.push)
        try late.connect(endpoint)
        try await late.send("third")
        #expect(try await pull.receive()[0].string == "third")
        await expectNothingArrives(at: pull)
    }

    /// Bad files fail when the configuration is made, naming the file; a bad pair fails when the driver is made;
    /// a bind without a certificate fails the call.
    @Test func badFilesAndPairsFailAtOnce() async throws {
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
