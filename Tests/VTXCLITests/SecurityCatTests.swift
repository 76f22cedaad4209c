import Foundation
import Testing
import VTX
import VTXTestSupport

/// `vtx cat` with the PLAIN, CURVE and ZAP options.
@Suite(.timeLimit(.minutes(2)))
struct SecurityCatTests {
    /// Starts `vtx cat` with `arguments` and returns it with the endpoint it announced.
    private func server(_ arguments: [String]) async throws -> (ChildProcess, String) {
        let server = try await onOwnThread { try Tool.start(["cat"] + arguments) }
        let line = try await onOwnThread { try server.errorLine { $0.hasPrefix("vtx cat: bound to ") } }
        return (server, String(line.dropFirst("vtx cat: bound to ".count)))
    }

    @Test("a PLAIN server with --allow-user answers a client with the right password")
    func plainAdmitted() async throws {
        let (server, endpoint) = try await server(
            ["--type", "REP", "--echo", "--bind", "tcp://127.0.0.1:*", "--plain-server", "--allow-user", "admin:secret"]
        )
        defer { server.kill() }
        let run = try await onOwnThread { try Tool.run(
            ["cat", "--type", "REQ", "--connect", endpoint, "--plain-user", "admin", "--plain-password", "secret",
             "--timeout", "10"],
            input: "plain\n"
        ) }
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output == ["plain"])
    }

    @Test("a wrong PLAIN password gets no answer, and the server logs the refusal")
    func plainRefused() async throws {
        let (server, endpoint) = try await server(
            ["--type", "REP", "--echo", "--bind", "tcp://127.0.0.1:*", "--plain-server", "--allow-user", "admin:secret"]
        )
        defer { server.kill() }
        let run = try await onOwnThread { try Tool.run(
            ["cat", "--type", "REQ", "--connect", endpoint, "--plain-user", "admin", "--plain-password", "guess",
             "--timeout", "2"],
            input: "plain\n"
        ) }
        #expect(run.status == 1)
        #expect(run.errors.contains { $0.contains("refused user \"admin\" with ERROR \"400\"") }, "\(run.errors)")
        let refusal = try await onOwnThread { try server.errorLine { $0.contains("refused PLAIN client") } }
        #expect(refusal.contains("wrong user name or password"))
    }

    @Test("security options that do not fit are usage errors", arguments: [
        (["--allow-user", "a:b"], "--allow-user applies to a --plain-server"),
        (["--plain-server", "--allow-user", "nocolon"], "--allow-user takes user:password"),
        (["--plain-server", "--plain-user", "u"], "exclude each other"),
        (["--plain-password", "p"], "--plain-password needs --plain-user"),
    ])
    func usageErrors(_ options: [String], _ expected: String) async throws {
        let run = try await onOwnThread { try Tool.run(
            ["cat", "--type", "REQ", "--connect", "tcp://127.0.0.1:9"] + options, input: ""
        ) }
        #expect(run.status == 64)
        #expect(run.errors.contains { $0.contains(expected) }, "\(run.errors)")
    }

    /// A fresh directory with `vtx keygen --out` certificates for each name.
    private func certificates(_ names: [String]) async throws -> String {
        let directory = NSTemporaryDirectory() + "vtx-cat-curve-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in names {
            let run = try await onOwnThread { try Tool.run(["keygen", "--out", "\(directory)/\(name)"]) }
            #expect(run.status == 0, "\(run.errors)")
        }
        return directory
    }

    @Test("a CURVE server with --allow-key answers the allowed client and refuses another, with keys from files")
    func curveWithCertificates() async throws {
        let directory = try await certificates(["server", "client", "stranger"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (server, endpoint) = try await server([
            "--type", "REP", "--echo", "--bind", "tcp://127.0.0.1:*", "--curve-server",
            "--curve-secret-key", "\(directory)/server_secret", "--allow-key", "\(directory)/client",
        ])
        defer { server.kill() }
        let admitted = try await onOwnThread { try Tool.run(
            ["cat", "--type", "REQ", "--connect", endpoint, "--curve-server-key", "\(directory)/server",
             "--curve-secret-key", "\(directory)/client_secret", "--timeout", "10"],
            input: "curve\n"
        ) }
        #expect(admitted.status == 0, "\(admitted.errors) \(server.errors)")
        #expect(admitted.output == ["curve"])
        let refused = try await onOwnThread { try Tool.run(
            ["cat", "--type", "REQ", "--connect", endpoint, "--curve-server-key", "\(directory)/server",
             "--curve-secret-key", "\(directory)/stranger_secret", "--timeout", "2"],
            input: "curve\n"
        ) }
        #expect(refused.status == 1)
        #expect(refused.errors.contains { $0.contains("ERROR \"400\"") }, "\(refused.errors)")
    }

    /// '/', letters and digits are Z85 digits: a certificate path of exactly 40 characters also decodes as a key,
    /// and was taken for one (CI drew such a temporary directory, and the client used a key made of its path). A
    /// file of that name is read as the file.
    @Test("a certificate file whose path is 40 Z85 characters is read as a file, not as a key")
    func fortyCharacterCertificatePath() async throws {
        let digits = String(repeating: "0", count: 25) + "\(getpid())\(UInt32.random(in: 0...UInt32.max))"
        let directory = "/tmp/vtx" + String(digits.suffix(25))
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let publicPath = "\(directory)/server"
        #expect(publicPath.utf8.count == 40)
        try #require((try? CurveKey(z85: publicPath)) != nil, "the path decodes as a Z85 key, so the test can fail")
        let keygen = try await onOwnThread { try Tool.run(["keygen", "--out", publicPath]) }
        #expect(keygen.status == 0, "\(keygen.errors)")
        let (server, endpoint) = try await server([
            "--type", "REP", "--echo", "--bind", "tcp://127.0.0.1:*", "--curve-server",
            "--curve-secret-key", "\(publicPath)_secret",
        ])
        defer { server.kill() }
        let client = try await onOwnThread { try Tool.run(
            ["cat", "--type", "REQ", "--connect", endpoint, "--curve-server-key", publicPath, "--timeout", "10"],
            input: "forty\n"
        ) }
        #expect(client.status == 0, "\(client.errors) \(server.errors)")
        #expect(client.output == ["forty"])
    }

    @Test("a CURVE server admits any client without --allow-key; a client without keys uses a fresh pair")
    func curveWithZ85Keys() async throws {
        // libzmq's test keys (doc/zmq_curve.txt).
        let (server, endpoint) = try await server([
            "--type", "REP", "--echo", "--bind", "tcp://127.0.0.1:*", "--curve-server",
            "--curve-secret-key", "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
        ])
        defer { server.kill() }
        let run = try await onOwnThread { try Tool.run(
            ["cat", "--type", "REQ", "--connect", endpoint, "--curve-server-key", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
             "--timeout", "10"],
            input: "z85\n"
        ) }
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output == ["z85"])
    }

    @Test("bad CURVE keys and combinations are one line and status 64", arguments: [
        (["--curve-server-key", "tooshort"], "neither a 40-character Z85 key nor a certificate file"),
        (["--curve-server-key", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf~"], "neither a 40-character Z85 key"),
        (["--curve-server"], "--curve-server needs --curve-secret-key"),
        (["--curve-secret-key", "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"], "a CURVE client needs --curve-server-key"),
        (["--curve-server-key", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "--plain-user", "u"], "exclude each other"),
        (["--curve-server-key", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "--allow-key", "x"], "--allow-key applies to a --curve-server"),
    ])
    func curveUsageErrors(_ options: [String], _ expected: String) async throws {
        let run = try await onOwnThread { try Tool.run(
            ["cat", "--type", "REQ", "--connect", "tcp://127.0.0.1:9"] + options, input: ""
        ) }
        #expect(run.status == 64)
        #expect(run.errors.count == 1 && run.errors.contains { $0.contains(expected) }, "\(run.errors)")
    }

    /// '-' is a Z85 digit, so one key in 85 starts with it (CI once drew such a key and `--curve-server-key` took
    /// it for an option: "Missing value"). Keys and passwords are values whatever they start with; each case gets
    /// past parsing to the check that comes after it.
    @Test("keys and a password that start with '-' are values, not options", arguments: [
        (["--curve-server-key", "-Kw[PGNRKE:Z&SEv7D:Auc*W)cI4bn+jS*NDNr8B", "--plain-user", "u"], "exclude each other"),
        (["--curve-secret-key", "-Kw[PGNRKE:Z&SEv7D:Auc*W)cI4bn+jS*NDNr8B"], "a CURVE client needs --curve-server-key"),
        (["--curve-server-key", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "--allow-key", "-Kw[PGNRKE:Z&SEv7D:Auc*W)cI4bn+jS*NDNr8B"],
         "--allow-key applies to a --curve-server"),
        (["--plain-password", "-secret"], "--plain-password needs --plain-user"),
    ])
    func valuesStartingWithADash(_ options: [String], _ expected: String) async throws {
        try await curveUsageErrors(options, expected)
    }
}
