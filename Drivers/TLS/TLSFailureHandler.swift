import NIOCore
import NIOSSL
import VTXCore

/// Sits between the TLS handler and the ZMTP engine and turns TLS errors into ``VTXError``s a person can read
/// ("TLS handshake with tls://127.0.0.1:5555 failed: certificate verify failed (…)"), which the engine reports
/// as its `handshakeFailed` or `disconnected` monitor event. A peer that closes without TLS's close_notify once
/// data has flowed is an ordinary end of the connection, not an error (libzmq behind stunnel does).
///
/// Thread safety: confined to its channel's event loop, like every channel handler.
final class TLSFailureHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let peer: String
    /// Whether application data has arrived: until then a failure belongs to the handshake (with TLS 1.3, a
    /// server refuses a client's certificate only after the client has finished its side of the handshake).
    private var established = false

    init(peer: String) {
        self.peer = peer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        established = true
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if established {
            if let error = error as? NIOSSLError, case .uncleanShutdown = error { return }
            context.fireErrorCaught(VTXError(.systemError, "TLS connection with \(peer) failed: \(Self.reason(error))"))
        } else {
            context.fireErrorCaught(VTXError(.handshakeFailed, "TLS handshake with \(peer) failed: \(Self.reason(error))"))
        }
    }

    /// The error in words: BoringSSL's reason code (`CERTIFICATE_VERIFY_FAILED` becomes "certificate verify
    /// failed"), with what it usually means for the common ones.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as NIOSSLError:
            switch error {
            case .handshakeFailed(let inner): return reason(inner)
            case .uncleanShutdown: return "the peer closed the connection during the TLS handshake"
            default: return "\(error)"
            }
        case let error as BoringSSLError:
            switch error {
            case .sslError(let stack), .unknownError(let stack):
                guard let code = stack.lazy.compactMap({ reasonCode(in: "\($0)") }).first else { return "\(error)" }
                return explain(code)
            default:
                return "\(error)"
            }
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            return "the certificate does not name the host connected to (\(error))"
        default:
            return "\(error)"
        }
    }

    /// `CERTIFICATE_VERIFY_FAILED` out of `error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at …`.
    private static func reasonCode(in text: String) -> String? {
        guard let marker = text.firstRange(of: "OPENSSL_internal:") else { return nil }
        return String(text[marker.upperBound...].prefix { $0 != " " })
    }

    private static func explain(_ code: String) -> String {
        let words = String(code.lowercased().map { $0 == "_" ? " " : $0 })
        switch code {
        case "CERTIFICATE_VERIFY_FAILED":
            return words + " (the peer's certificate is not signed by a trusted root, or is expired)"
        case "TLSV1_ALERT_UNKNOWN_CA", "SSLV3_ALERT_BAD_CERTIFICATE", "SSLV3_ALERT_CERTIFICATE_UNKNOWN":
            return words + " (the peer does not trust this side's certificate)"
        case "PEER_DID_NOT_RETURN_A_CERTIFICATE":
            return words + " (this side requires a client certificate and the peer sent none)"
        case "TLSV1_ALERT_CERTIFICATE_REQUIRED":
            return words + " (the peer requires a client certificate and this side has none)"
        case "WRONG_VERSION_NUMBER", "UNEXPECTED_RECORD", "HTTP_REQUEST", "PACKET_LENGTH_TOO_LONG",
            "UNKNOWN_PROTOCOL", "RECORD_TOO_LARGE":
            return words + " (the peer does not speak TLS: a plain tcp:// peer?)"
        default:
            return words
        }
    }
}
