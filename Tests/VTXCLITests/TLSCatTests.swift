#if TLS
import Foundation
import Testing
import VTXTestSupport

/// `vtx cat` over tls:// with the --tls-* options (built with the TLS package trait).
@Suite(.timeLimit(.minutes(2)))
struct TLSCatTests {
    /// The test certificates of the TLS driver's tests.
    static func fixture(_ file: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("VTXTLSTests/Fixtures/\(file)").path
    }

    @Test("a REP with a certificate answers a REQ that trusts its CA, over tls")
    func requestReplyOverTLS() async throws {
        let server = try await onOwnThread { try Tool.start([
            "cat", "--type", "REP", "--echo", "--bind", "tls://127.0.0.1:*",
            "--tls-certificate", Self.fixture("server.pem"), "--tls-key", Self.fixture("server-key.pem"),
        ]) }
        defer { server.kill() }
        let line = try await onOwnThread { try server.errorLine { $0.hasPrefix("vtx cat: bound to ") } }
        let endpoint = String(line.dropFirst("vtx cat: bound to ".count))
        #expect(endpoint.hasPrefix("tls://127.0.0.1:"))
        let run = try await onOwnThread { try Tool.run(
            ["cat", "--type", "REQ", "--connect", endpoint, "--tls-trust", Self.fixture("ca.pem"), "--timeout", "10"],
            input: "over tls\n"
        ) }
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output == ["over tls"])
    }

    @Test("mutual TLS: a server given --tls-trust requires a client certificate")
    func mutualTLS() async throws {
        let server = try await onOwnThread { try Tool.start([
            "cat", "--type", "REP", "--echo", "--bind", "tls://127.0.0.1:*",
            "--tls-certificate", Self.fixture("server.pem"), "--tls-key", Self.fixture("server-key.pem"),
            "--tls-trust", Self.fixture("ca.pem"),
        ]) }
        defer { server.kill() }
        let line = try await onOwnThread { try server.errorLine { $0.hasPrefix("vtx cat: bound to ") } }
        let endpoint = String(line.dropFirst("vtx cat: bound to ".count))
        let run = try await onOwnThread { try Tool.run(
            [
                "cat", "--type", "REQ", "--connect", endpoint, "--tls-trust", Self.fixture("ca.pem"), "--timeout", "10",
                "--tls-certificate", Self.fixture("client.pem"), "--tls-key", Self.fixture("client-key.pem"),
                "--tls-server-name", "localhost",
            ],
            input: "mutual\n"
        ) }
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output == ["mutual"])
    }

    @Test("a bad TLS file is one line and status 1", arguments: [
        (["--tls-trust", "/nonexistent/ca.pem"], "cannot read the TLS trust file '/nonexistent/ca.pem': No such file or directory"),
        (["--tls-trust", fixture("README.md")], "holds no PEM certificate"),
        (["--tls-certificate", fixture("server.pem")], "a TLS certificate and its private key go together"),
        (["--tls-certificate", fixture("server.pem"), "--tls-key", fixture("server.pem")], "holds no unencrypted PEM private key"),
        (["--tls-certificate", fixture("server.pem"), "--tls-key", fixture("client-key.pem")], "the TLS configuration cannot be used"),
    ])
    func badFile(options: [String], expected: String) async throws {
        let run = try await onOwnThread { try Tool.run(["cat", "--type", "PULL", "--bind", "tls://127.0.0.1:*"] + options) }
        expectOneLineFailure(run, status: 1, containing: expected)
        #expect(run.errors.first?.hasPrefix("vtx cat: ") == true, "\(run.errors)")
    }
}
#endif
