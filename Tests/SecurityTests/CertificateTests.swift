import Foundation
import Testing
import VTXCore
import VTXSecurity

/// Certificates in czmq's zcert format: save and load, the secret file's mode, czmq's own output, bad files.
@Suite(.timeLimit(.minutes(1)))
struct CertificateTests {
    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "vtx-cert-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("save then load: both files, the keys and metadata survive; the secret file has mode 0600")
    func roundTrip() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let certificate = Certificate.generate(metadata: ["name": "Ada Lovelace", "email": "ada@example.org", "quote": "say \"hi\""])
        try certificate.save(publicPath: directory + "/ada", secretPath: directory + "/ada_secret")
        let secret = try Certificate.load(from: directory + "/ada_secret")
        #expect(secret == certificate)
        let publicOnly = try Certificate.load(from: directory + "/ada")
        #expect(publicOnly.publicKey == certificate.publicKey && publicOnly.secretKey == nil)
        #expect(publicOnly.metadata == certificate.metadata)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/ada_secret")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let publicText = try String(contentsOfFile: directory + "/ada", encoding: .utf8)
        #expect(!publicText.contains("secret-key"))
        // Saving again over existing files keeps the secret file private.
        try certificate.save(publicPath: directory + "/ada", secretPath: directory + "/ada_secret")
        let again = try FileManager.default.attributesOfItem(atPath: directory + "/ada_secret")
        #expect((again[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test("the text is czmq's: comments, a blank line, metadata, curve with 4-space indents")
    func format() throws {
        let pair = try CurveKeyPair(secretKey: try CurveKey(z85: Vectors.serverSecret))
        let text = try Certificate(keyPair: pair, metadata: ["name": "server"]).secretText()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0].hasPrefix("#   ****  Generated on ") && lines[0].hasSuffix(" by VTX  ****"))
        #expect(Array(lines[1...]) == [
            "#   ZeroMQ CURVE **Secret** Certificate",
            "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.",
            "",
            "metadata",
            "    name = \"server\"",
            "curve",
            "    public-key = \"\(Vectors.serverPublic)\"",
            "    secret-key = \"\(Vectors.serverSecret)\"",
            "",
        ])
    }

    @Test("certificates written by czmq 4.2.1's zcert_save (Debian libczmq-dev), verbatim, load")
    func czmqOutput() throws {
        let secret = """
            #   ****  Generated on 2026-12-07 02:47:19 by CZMQ  ****
            #   ZeroMQ CURVE **Secret** Certificate
            #   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

            metadata
                name = "Pieter Hintjens"
                email = "ph@imatix.com"
            curve
                public-key = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
                secret-key = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"

            """
        let certificate = try Certificate(parsing: secret)
        #expect(certificate.publicKey.z85 == Vectors.clientPublic && certificate.secretKey?.z85 == Vectors.clientSecret)
        #expect(certificate.metadata == ["email": "ph@imatix.com", "name": "Pieter Hintjens"])
        let publicFile = """
            #   ****  Generated on 2026-12-07 02:47:19 by CZMQ  ****
            #   ZeroMQ CURVE Public Certificate
            #   Exchange securely, or use a secure mechanism to verify the contents
            #   of this file after exchange. Store public certificates in your home
            #   directory, in the .curve subdirectory.

            metadata
                name = "Pieter Hintjens"
                email = "ph@imatix.com"
            curve
                public-key = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"

            """
        let publicOnly = try Certificate(parsing: publicFile)
        #expect(publicOnly.secretKey == nil && publicOnly.metadata.count == 2)
        #expect(publicOnly.publicKey.z85 == Vectors.clientPublic)
        // ZPL also allows single quotes, unquoted values, trailing comments and CRLF line ends.
        let loose = "curve\r\n    public-key = '\(Vectors.clientPublic)'   # the key\r\nmetadata\r\n    name = Ada   # comment\r\n"
        let parsed = try Certificate(parsing: loose)
        #expect(parsed.publicKey.z85 == Vectors.clientPublic && parsed.metadata == ["name": "Ada"])
    }

    @Test("malformed files throw invalidArgument naming the file and the line")
    func malformed() throws {
        let key = Vectors.clientPublic
        let cases: [(String, String)] = [
            ("curve\n   public-key = \"\(key)\"\n", "line 2"),
            ("    public-key = \"\(key)\"\n", "line 1"),
            ("curve\n    public-key = \"\(key)\n", "closing"),
            ("curve\n    public-key \"\(key)\"\n", "'='"),
            ("curve\n    public-key = \"\(key)\" junk\n", "junk"),
            ("curve\n    public-key = \"\(key.dropLast())\"\n", "40 characters"),
            ("curve\n    public-key = \"\(key.dropLast())~\"\n", "line 2"),
            ("metadata\n    name = \"x\"\n", "no public-key"),
            ("curve\n    public-key = \"\(key)\"\n    public-key = \"\(key)\"\n", "line 3"),
            ("curve\n    public-key = \"\(key)\"\n    secret-key = \"\(Vectors.serverSecret)\"\n", "does not belong"),
            ("curve\n        deep = \"x\"\n", "deeper"),
            ("curve\n    = \"x\"\n", "expected a name"),
        ]
        for (text, expected) in cases {
            let error = #expect(throws: VTXError.invalidArgument) { _ = try Certificate(parsing: text, source: "test.cert") }
            #expect(error?.message.contains("test.cert") == true, "\(String(describing: error))")
            #expect(error?.message.contains(expected) == true, "\(text): \(String(describing: error))")
        }
        let missing = #expect(throws: VTXError.self) { _ = try Certificate.load(from: "/nonexistent/vtx.cert") }
        #expect(missing?.message.contains("/nonexistent/vtx.cert") == true)
    }

    /// Found by the `certificate` fuzz harness (docs/RELIABILITY.md, "Fuzzing"): a combining mark at the start
    /// of a value joins the opening quote into one Swift `Character`, and the parser, which compared characters,
    /// took `'ّ…'` for an unquoted value, quotes and all; a scalar that joins the character after it (U+0600) did the
    /// same to the closing quote. Quotes, `=`, `#` and blanks are ASCII scalars (czmq reads bytes).
    @Test("a value whose first or last scalar joins its quote into one character survives the round trip")
    func quotesAreScalarsNotCharacters() throws {
        let metadata = [
            "mark": "\u{0651}a combining mark first, and \"double quotes\"",
            "accent": "\u{0301}an accent first",
            "prepend": "a prepended mark last\u{0600}",
            "inner": "a quote\"\u{0301} that carries a mark",
        ]
        let certificate = Certificate(keyPair: CurveKeyPair.generate(), metadata: metadata)
        for text in [try certificate.secretText(), try certificate.publicText()] {
            #expect(try Certificate(parsing: text, source: "round trip").metadata == metadata)
        }
    }

    @Test("unsaveable metadata and a missing secret key throw invalidArgument")
    func unsaveable() throws {
        let pair = CurveKeyPair.generate()
        #expect(throws: VTXError.invalidArgument) { _ = try Certificate(keyPair: pair, metadata: ["bad name": "x"]).secretText() }
        #expect(throws: VTXError.invalidArgument) { _ = try Certificate(keyPair: pair, metadata: ["n": "a\nb"]).secretText() }
        #expect(throws: VTXError.invalidArgument) { _ = try Certificate(keyPair: pair, metadata: ["n": "'\""]).secretText() }
        #expect(throws: VTXError.invalidArgument) { _ = try Certificate(publicKey: pair.publicKey).secretText() }
        #expect(throws: VTXError.invalidArgument) {
            try Certificate(publicKey: pair.publicKey).save(publicPath: "/tmp/x", secretPath: "/tmp/x_secret")
        }
    }
}
