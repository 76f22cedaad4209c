#if TLS
import ArgumentParser
import VTX
import VTXTLS

/// `vtx cat`'s TLS options, for `tls://` endpoints (the tool is built with the `TLS` package trait).
struct TLSOptions: ParsableArguments {
    @Option(
        name: .customLong("tls-certificate"),
        help: ArgumentHelp("tls: this side's certificate chain (PEM): a server's own, or a client's for mutual TLS.", valueName: "file")
    )
    var certificate: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("tls: the private key of --tls-certificate (PEM).", valueName: "file"))
    var key: String?

    @Option(
        name: .customLong("tls-trust"),
        help: ArgumentHelp(
            "tls: the root certificates (PEM) to verify the peer with (default: the system's); a server given them requires client certificates.",
            valueName: "file"
        )
    )
    var trust: String?

    @Option(
        name: .customLong("tls-server-name"),
        help: ArgumentHelp("tls: the name a client expects in the server's certificate (default: the endpoint's host).", valueName: "name")
    )
    var serverName: String?

    /// The tls driver's configuration, read from the files; with a certificate the driver also asks clients for
    /// theirs when --tls-trust is given (mutual TLS).
    ///
    /// - Throws: a run-time ``ToolFailure`` naming the file that cannot be read or holds no PEM certificate or key.
    func configuration() throws(ToolFailure) -> TLSDriver.Configuration {
        do {
            return try TLSDriver.Configuration(
                certificateFile: certificate,
                privateKeyFile: key,
                trustFile: trust,
                requireClientCertificate: certificate != nil && trust != nil,
                serverName: serverName
            )
        } catch {
            throw ToolFailure(error.message)
        }
    }
}

extension VTX {
    /// Registers a tls driver made from `configuration` for `tls://`.
    ///
    /// - Throws: a run-time ``ToolFailure`` when the certificate and key do not go together.
    func registerTLS(_ configuration: TLSDriver.Configuration) throws(ToolFailure) {
        do {
            try register(TLSDriver(configuration: configuration), for: "tls")
        } catch {
            throw ToolFailure(error.message)
        }
    }
}
#endif
