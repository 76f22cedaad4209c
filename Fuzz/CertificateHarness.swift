import VTXCore
import VTXSecurity

/// czmq `zcert` text: whatever parses writes back (public and, when it has one, secret form) to text that parses
/// to the same certificate; a secret key that parses is the public key's.
enum CertificateHarness {
    static func run(_ data: [UInt8]) {
        let text = String(decoding: data, as: UTF8.self)
        let certificate: Certificate
        do { certificate = try Certificate(parsing: text, source: "fuzz") } catch { return }
        if let secretKey = certificate.secretKey {
            let derived = try? CurveKeyPair(secretKey: secretKey)
            require(derived?.publicKey == certificate.publicKey, "a secret key that is not the public key's")
            if let written = try? certificate.secretText() {
                let again = try? Certificate(parsing: written, source: "secret text")
                require(again == certificate, "the secret text parses as \(String(describing: again))")
            }
        }
        guard let written = try? certificate.publicText() else { return }
        let again = try? Certificate(parsing: written, source: "public text")
        require(again?.publicKey == certificate.publicKey && again?.secretKey == nil, "the public text loses the key")
        require(again?.metadata == certificate.metadata, "the public text changes the metadata")
    }
}
