import Foundation
import Testing
import VTXTestSupport

/// `vtx cat` with the PLAIN and ZAP options (CURVE's are tested with the keys).
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
}
