import NIOSSL
import VTXCore
import VTXStream

/// The `tls://` driver: ZMTP 3.1 inside TLS 1.2 or 1.3 over TCP, on its own event-loop thread. Register it for
/// a scheme once, with this side's certificate and the roots it trusts:
///
/// ```swift
/// let configuration = try TLSDriver.Configuration(
///     certificateFile: "server.pem", privateKeyFile: "server-key.pem", trustFile: "ca.pem")
/// try vtx.register(TLSDriver(configuration: configuration), for: "tls")
/// try server.bind("tls://*:5555")
/// ```
///
/// A client verifies the server's certificate against the trust roots and its name (the endpoint's host, or
/// ``Configuration/serverName``); a server asks for client certificates when
/// ``Configuration/requireClientCertificate`` is set (mutual TLS). A failed verification, or a peer that does
/// not speak TLS, ends that connection with a `handshakeFailed` monitor event that says why; the listener keeps
/// serving others, and a connect retries by its reconnect policy.
public final class TLSDriver: Driver {
    private let stream: StreamDriver

    /// Makes a driver, building its TLS contexts now, so that a bad configuration fails here rather than at the
    /// first connection.
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` when a certificate comes without its private key (or the other
    ///   way round), the key does not match the certificate, or the trust roots cannot be loaded.
    public init(configuration: Configuration) throws(VTXError) {
        let server = configuration.certificateChain.isEmpty ? nil : try configuration.makeContext(server: true)
        let client = try configuration.makeContext(server: false)
        let transport = TLSTransport(server: server, client: client, serverName: configuration.serverName)
        stream = StreamDriver(transport: transport, name: "vtx.tls")
    }

    /// TCP's capabilities: a reliable, ordered byte stream.
    public var capabilities: DriverCapabilities { stream.capabilities }

    /// Starts the driver's event-loop thread.
    ///
    /// - Throws: ``VTXError/Code/systemError`` when the process is out of file descriptors.
    public func start(_ context: DriverContext) throws(VTXError) {
        try stream.start(context)
    }

    /// Carries out a bind, connect, unbind or disconnect (see ``StreamDriver/handle(_:)``).
    public func handle(_ command: DriverCommand) {
        stream.handle(command)
    }

    /// Closes every listener and connection, within each endpoint's linger, and stops the thread.
    public func shutdown() {
        stream.shutdown()
    }
}
