import VTXCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A CURVE certificate in czmq's `zcert` format: a public key, the secret key when this side owns it, and metadata
/// (such as `name` or `email`), stored as ZPL text files that czmq, pyzmq (`zmq.auth.load_certificate`) and
/// jeromq read.
///
/// A certificate is saved as two files: the public one, to hand out, and the secret one, holding both keys, which
/// is created readable by its owner only (mode 0600). The text is czmq's:
/// ```
/// #   ****  Generated on 2026-12-07 02:30:00 by VTX  ****
/// #   ZeroMQ CURVE **Secret** Certificate
/// #   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.
///
/// metadata
///     name = "server"
/// curve
///     public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
///     secret-key = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
/// ```
public struct Certificate: Sendable, Hashable {
    /// The public key.
    public var publicKey: CurveKey
    /// The secret key; `nil` for a certificate read from a public file.
    public var secretKey: CurveKey?
    /// The metadata properties, by name (saved sorted by name).
    public var metadata: [String: String]

    /// A certificate with the given keys and metadata.
    public init(publicKey: CurveKey, secretKey: CurveKey? = nil, metadata: [String: String] = [:]) {
        self.publicKey = publicKey
        self.secretKey = secretKey
        self.metadata = metadata
    }

    /// A certificate for `keyPair`.
    public init(keyPair: CurveKeyPair, metadata: [String: String] = [:]) {
        self.init(publicKey: keyPair.publicKey, secretKey: keyPair.secretKey, metadata: metadata)
    }

    /// A certificate for a freshly generated key pair (``CurveKeyPair/generate()``). Never throws.
    public static func generate(metadata: [String: String] = [:]) -> Certificate {
        Certificate(keyPair: .generate(), metadata: metadata)
    }

    /// Both keys, when the certificate has its secret key; `nil` otherwise.
    public var keyPair: CurveKeyPair? {
        secretKey.map { CurveKeyPair(publicKey: publicKey, secretKey: $0) }
    }

    // MARK: Text

    /// The public file's text: comments, the metadata section, the public key.
    ///
    /// - Throws: `VTXError.Code.invalidArgument` for metadata that a ZPL file cannot hold (see ``secretText()``).
    public func publicText() throws(VTXError) -> String {
        try text(header: [
            "   ZeroMQ CURVE Public Certificate",
            "   Exchange securely, or use a secure mechanism to verify the contents",
            "   of this file after exchange. Store public certificates in your home",
            "   directory, in the .curve subdirectory.",
        ], includingSecret: false)
    }

    /// The secret file's text: comments, the metadata section, both keys.
    ///
    /// - Throws: `VTXError.Code.invalidArgument` when the certificate has no secret key, or for metadata that a
    ///   ZPL file cannot hold: a name that is empty or has characters other than letters, digits and `$-_@.&+/`,
    ///   or a value with a line break or with both kinds of quotes.
    public func secretText() throws(VTXError) -> String {
        try text(header: [
            "   ZeroMQ CURVE **Secret** Certificate",
            "   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.",
        ], includingSecret: true)
    }

    /// The `curve` section: the public key line and, when there is a secret key, the secret key line.
    public var curveSection: String {
        var lines = ["curve", "    public-key = \"\(publicKey.z85)\""]
        if let secretKey { lines.append("    secret-key = \"\(secretKey.z85)\"") }
        return lines.joined(separator: "\n") + "\n"
    }

    private func text(header: [String], includingSecret: Bool) throws(VTXError) -> String {
        if includingSecret, secretKey == nil {
            throw VTXError(.invalidArgument, "the certificate has no secret key to save")
        }
        var lines = ["#   ****  Generated on \(Certificate.timestamp()) by VTX  ****"]
        lines += header.map { "#" + $0 }
        lines += ["", "metadata"]
        for name in metadata.keys.sorted() {
            let value = metadata[name] ?? ""
            guard !name.isEmpty, name.allSatisfy(CertificateParser.isNameCharacter) else {
                throw VTXError(.invalidArgument, "the metadata name \"\(name)\" cannot be saved: names are letters, "
                    + "digits and $-_@.&+/")
            }
            guard !value.contains(where: \.isNewline) else {
                throw VTXError(.invalidArgument, "the metadata value of \"\(name)\" cannot be saved: it has a line break")
            }
            // Scalars, as the parser reads them: a quote that carries a combining mark is no `"` as a Character.
            let quote: Unicode.Scalar = value.unicodeScalars.contains("\"") ? "'" : "\""
            guard !value.unicodeScalars.contains(quote) else {
                throw VTXError(.invalidArgument, "the metadata value of \"\(name)\" cannot be saved: it has both "
                    + "kinds of quotes")
            }
            lines.append("    \(name) = \(quote)\(value)\(quote)")
        }
        lines.append("curve")
        lines.append("    public-key = \"\(publicKey.z85)\"")
        if includingSecret, let secretKey { lines.append("    secret-key = \"\(secretKey.z85)\"") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Now as czmq's `zclock_timestr` prints it: `YYYY-MM-DD HH:MM:SS`, local time.
    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }

    /// Reads a certificate from czmq `zcert` text (a public or a secret file).
    ///
    /// - Parameters:
    ///   - text: the certificate file's contents.
    ///   - source: how errors name the text (a file name).
    /// - Throws: `VTXError.Code.invalidArgument` naming `source` and the line: ZPL syntax errors, a missing or
    ///   repeated `curve/public-key`, a key that is not 40 valid Z85 characters, a secret key that is not the
    ///   public key's.
    public init(parsing text: String, source: String = "the certificate") throws(VTXError) {
        let entries = try CertificateParser(source: source).entries(of: text)
        var publicKey: CurveKey?
        var secretKey: CurveKey?
        var secretLine = 0
        var metadata: [String: String] = [:]
        for entry in entries {
            switch (entry.section, entry.name) {
            case ("curve", "public-key"), ("curve", "secret-key"):
                let isPublic = entry.name == "public-key"
                guard (isPublic ? publicKey : secretKey) == nil else {
                    throw VTXError(.invalidArgument, "\(source), line \(entry.line): a second \(entry.name)")
                }
                let key: CurveKey
                do throws(VTXError) {
                    key = try CurveKey(z85: entry.value)
                } catch {
                    throw VTXError(.invalidArgument, "\(source), line \(entry.line): the \(entry.name) is not a "
                        + "CURVE key: \(error.message)")
                }
                if isPublic { publicKey = key } else { secretKey = key; secretLine = entry.line }
            case ("metadata", _):
                metadata[entry.name] = entry.value
            default:
                // czmq ignores what it does not know; so do we.
                continue
            }
        }
        guard let publicKey else {
            throw VTXError(.invalidArgument, "\(source) has no public-key in a curve section: not a CURVE certificate")
        }
        if let secretKey {
            let derived = try CurveKeyPair(secretKey: secretKey)
            guard derived.publicKey == publicKey else {
                throw VTXError(.invalidArgument, "\(source), line \(secretLine): the secret-key does not belong to "
                    + "the public-key")
            }
        }
        self.init(publicKey: publicKey, secretKey: secretKey, metadata: metadata)
    }

    // MARK: Files

    /// Reads the certificate in the file at `path` (public or secret).
    ///
    /// - Throws: `VTXError` naming the file when it cannot be read, and the errors of ``init(parsing:source:)``.
    public static func load(from path: String) throws(VTXError) -> Certificate {
        try Certificate(parsing: try SecureFile.readText(path), source: path)
    }

    /// Writes the public file to `publicPath` (mode 0644) and the secret file to `secretPath` (mode 0600, set when
    /// the file is created), each atomically. czmq names them `NAME` and `NAME_secret`.
    ///
    /// - Throws: the errors of ``secretText()`` (no secret key, unsaveable metadata), and `VTXError` naming the
    ///   file that cannot be written.
    public func save(publicPath: String, secretPath: String) throws(VTXError) {
        let secret = try secretText()
        try SecureFile.writeAtomically(try publicText(), to: publicPath, mode: 0o644)
        try SecureFile.writeAtomically(secret, to: secretPath, mode: 0o600)
    }

    /// Writes only the public file to `path` (mode 0644), atomically.
    ///
    /// - Throws: the errors of ``publicText()``, and `VTXError` naming the file when it cannot be written.
    public func savePublic(to path: String) throws(VTXError) {
        try SecureFile.writeAtomically(try publicText(), to: path, mode: 0o644)
    }
}
