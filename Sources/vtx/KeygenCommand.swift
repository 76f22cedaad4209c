import ArgumentParser
import VTX

/// `vtx keygen`: a new CURVE key pair, printed or saved as a czmq-format certificate.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a CURVE key pair: print it, or save it as a certificate (czmq zcert format).",
        discussion: """
            Without --out, prints the certificate's curve section: a curve line, then the public-key and secret-key lines, in Z85. With --out NAME, writes the public certificate to NAME and the secret one (both keys) to NAME_secret, created readable by you only (mode 0600), as czmq's zcert_save does; nothing is printed. Give the public key (or file) to peers; keep the secret one private.

            Examples:
              vtx keygen
              vtx keygen --out server.cert
              vtx keygen --out client.cert --name "build agent"
            """
    )

    @Option(help: ArgumentHelp("Write the certificate to NAME and NAME_secret instead of printing the keys.", valueName: "name"))
    var out: String?

    @Option(help: ArgumentHelp("A name for the certificate's metadata section.", valueName: "text"))
    var name: String?

    /// Checks that --out names a file.
    func validate() throws {
        if let out, out.isEmpty { throw ValidationError("--out needs a file name") }
    }

    /// Generates the pair, then prints or saves it.
    func run() throws {
        let certificate = Certificate.generate(metadata: name.map { ["name": $0] } ?? [:])
        guard let out else {
            let output = MessageOutput()
            for line in certificate.curveSection.split(separator: "\n") { output.line(String(line)) }
            output.flush()
            return
        }
        do throws(VTXError) {
            try certificate.save(publicPath: out, secretPath: out + "_secret")
        } catch {
            throw ToolFailure("cannot save the certificate: \(error.message)")
        }
    }
}
