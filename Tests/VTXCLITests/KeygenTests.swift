import Foundation
import Testing
import VTX

/// `vtx keygen`, run as the built binary.
@Suite(.timeLimit(.minutes(1)))
struct KeygenTests {
    @Test("keygen prints a curve section whose secret key derives the public key")
    func printsKeys() throws {
        let run = try Tool.run(["keygen"])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.count == 3 && run.output.first == "curve", "\(run.output)")
        let publicLine = try #require(run.output.first { $0.hasPrefix("    public-key = \"") })
        let secretLine = try #require(run.output.first { $0.hasPrefix("    secret-key = \"") })
        let certificate = try Certificate(parsing: run.output.joined(separator: "\n"))
        let pair = try #require(certificate.keyPair)
        #expect(publicLine == "    public-key = \"\(pair.publicKey.z85)\"")
        #expect(secretLine == "    secret-key = \"\(pair.secretKey.z85)\"")
        #expect(try Tool.run(["keygen"]).output != run.output, "every run makes a new pair")
    }

    @Test("keygen --out NAME writes NAME and NAME_secret (mode 0600) that load as one certificate")
    func writesFiles() throws {
        let directory = NSTemporaryDirectory() + "vtx-keygen-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let name = directory + "/server.cert"
        let run = try Tool.run(["keygen", "--out", name, "--name", "my server"])
        #expect(run.status == 0 && run.output.isEmpty, "\(run.errors)")
        let secret = try Certificate.load(from: name + "_secret")
        let publicOnly = try Certificate.load(from: name)
        #expect(secret.publicKey == publicOnly.publicKey && secret.secretKey != nil && publicOnly.secretKey == nil)
        #expect(secret.metadata == ["name": "my server"])
        let mode = try FileManager.default.attributesOfItem(atPath: name + "_secret")[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
    }

    @Test("keygen --out into a missing directory fails in one line")
    func unwritable() throws {
        let run = try Tool.run(["keygen", "--out", "/nonexistent-dir/x.cert"])
        expectOneLineFailure(run, status: 1, containing: "/nonexistent-dir/x.cert")
    }
}
