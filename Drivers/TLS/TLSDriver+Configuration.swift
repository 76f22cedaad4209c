#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOSSL
import VTXCore

extension TLSDriver {
    /// What a ``TLSDriver`` presents and what it trusts. Every connection uses TLS 1.2 at least, and TLS 1.3 when
    /// both sides have it.
    public struct Configuration: Sendable {
        /// This side's certificate chain, leaf first: a server's own (a bind needs one), or a client's for mutual
        /// TLS. Empty: this side presents no certificate.
        public var certificateChain: [NIOSSLCertificate] = []
        /// The private key of the chain's leaf certificate.
        public var privateKey: NIOSSLPrivateKey?
        /// The roots a peer's certificate is verified against (a client verifies the server's; a server that
        /// requires client certificates verifies those). By default the system's.
        public var trustRoots: NIOSSLTrustRoots = .default
        /// Whether a server refuses clients that present no certificate signed by ``trustRoots`` (mutual TLS).
        public var requireClientCertificate = false
        /// The name a client expects in the server's certificate (and sends in SNI); `nil` for each endpoint's
        /// host. An IP address (the endpoint's or this one) is matched against the address connected to.
        public var serverName: String?
        /// Whether a client checks that the server's certificate names ``serverName``; when `false` it still
        /// checks that the certificate is signed by ``trustRoots``.
        public var verifiesHostname = true

        /// A configuration that presents no certificate and trusts the system's roots.
        public init() {}

        /// A configuration read from PEM files.
        ///
        /// - Parameters:
        ///   - certificateFile: this side's certificate chain, leaf first (a server's own, or a client's).
        ///   - privateKeyFile: the private key of that certificate (unencrypted PEM).
        ///   - trustFile: the root certificates to verify the peer with; `nil` for the system's.
        ///   - requireClientCertificate: see ``requireClientCertificate``.
        ///   - serverName: see ``serverName``.
        /// - Throws: ``VTXError/Code/invalidArgument`` naming the file when one cannot be read or holds no PEM
        ///   certificate or key, or when only one of the certificate and its key is given.
        public init(
            certificateFile: String? = nil,
            privateKeyFile: String? = nil,
            trustFile: String? = nil,
            requireClientCertificate: Bool = false,
            serverName: String? = nil
        ) throws(VTXError) {
            guard (certificateFile == nil) == (privateKeyFile == nil) else {
                throw VTXError(.invalidArgument, "a TLS certificate and its private key go together: give both files")
            }
            if let certificateFile { certificateChain = try Self.certificates(in: certificateFile, what: "certificate") }
            if let privateKeyFile {
                let bytes = try Self.contents(of: privateKeyFile, what: "private key")
                do {
                    privateKey = try NIOSSLPrivateKey(bytes: bytes, format: .pem)
                } catch {
                    throw VTXError(.invalidArgument, "the TLS private key file '\(privateKeyFile)' holds no unencrypted PEM private key")
                }
            }
            if let trustFile { trustRoots = .certificates(try Self.certificates(in: trustFile, what: "trust")) }
            self.requireClientCertificate = requireClientCertificate
            self.serverName = serverName
        }

        private static func certificates(in path: String, what: String) throws(VTXError) -> [NIOSSLCertificate] {
            let bytes = try contents(of: path, what: what)
            guard let chain = try? NIOSSLCertificate.fromPEMBytes(bytes), !chain.isEmpty else {
                throw VTXError(.invalidArgument, "the TLS \(what) file '\(path)' holds no PEM certificate")
            }
            return chain
        }

        /// The bytes of a small file, or an error with the system's reason ("No such file or directory").
        private static func contents(of path: String, what: String) throws(VTXError) -> [UInt8] {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw VTXError(.invalidArgument, "cannot read the TLS \(what) file '\(path)': \(String(cString: strerror(errno)))")
            }
            defer { close(fd) }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 16384)
            while bytes.count <= 1 << 20 {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count == 0 { return bytes }
                guard count > 0 else {
                    throw VTXError(.invalidArgument, "cannot read the TLS \(what) file '\(path)': \(String(cString: strerror(errno)))")
                }
                bytes += chunk[..<count]
            }
            throw VTXError(.invalidArgument, "the TLS \(what) file '\(path)' is larger than 1 MiB")
        }

        /// NIOSSL's context for one side: TLS 1.2 to 1.3, this configuration's certificate, key and roots.
        ///
        /// - Throws: ``VTXError/Code/invalidArgument`` when the certificate and key are not a pair or the roots
        ///   cannot be loaded.
        func makeContext(server: Bool) throws(VTXError) -> NIOSSLContext {
            guard certificateChain.isEmpty == (privateKey == nil) else {
                throw VTXError(.invalidArgument, "a TLS certificate and its private key go together: give both")
            }
            var tls = NIOSSL.TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv12
            tls.maximumTLSVersion = .tlsv13
            tls.certificateChain = certificateChain.map { .certificate($0) }
            tls.privateKey = privateKey.map { .privateKey($0) }
            tls.trustRoots = trustRoots
            // How long a close waits for the peer's close_notify; ZMTP frames carry their lengths, so a truncation
            // shows anyway.
            tls.shutdownTimeout = .seconds(1)
            if server {
                tls.certificateVerification = requireClientCertificate ? .noHostnameVerification : .none
            } else {
                tls.certificateVerification = verifiesHostname ? .fullVerification : .noHostnameVerification
            }
            do {
                return try NIOSSLContext(configuration: tls)
            } catch {
                throw VTXError(.invalidArgument, "the TLS configuration cannot be used: \(TLSFailureHandler.reason(error))")
            }
        }
    }
}
