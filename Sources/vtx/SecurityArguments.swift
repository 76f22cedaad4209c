import ArgumentParser
import VTX

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `vtx cat`'s security options: PLAIN, CURVE and ZAP for tcp:// and ipc:// endpoints. A CURVE key is 40 Z85
/// characters or a certificate file (`vtx keygen --out NAME`).
struct SecurityArguments: ParsableArguments {
    @Option(name: .customLong("plain-user"), help: ArgumentHelp("PLAIN client: the user name to send.", valueName: "user"))
    var plainUser: String?

    @Option(
        name: .customLong("plain-password"),
        parsing: .unconditional,
        help: ArgumentHelp("PLAIN client: the password to send.", valueName: "password")
    )
    var plainPassword: String?

    @Flag(name: .customLong("plain-server"), help: "PLAIN server: admit the clients of --allow-user.")
    var plainServer = false

    @Option(
        name: .customLong("allow-user"),
        help: ArgumentHelp("PLAIN server: admit this user with this password (repeatable; starts the authenticator).", valueName: "user:password")
    )
    var allowUser: [String] = []

    @Flag(name: .customLong("curve-server"), help: "CURVE server: needs --curve-secret-key; admits any client, or only those of --allow-key.")
    var curveServer = false

    @Option(
        name: .customLong("curve-secret-key"),
        parsing: .unconditional,
        help: ArgumentHelp("CURVE: this side's secret key, in Z85 or as a certificate file (NAME_secret from vtx keygen).", valueName: "key|file")
    )
    var curveSecretKey: String?

    @Option(
        name: .customLong("curve-public-key"),
        parsing: .unconditional,
        help: ArgumentHelp("CURVE client: this side's public key (default: derived from --curve-secret-key).", valueName: "key|file")
    )
    var curvePublicKey: String?

    @Option(
        name: .customLong("curve-server-key"),
        parsing: .unconditional,
        help: ArgumentHelp("CURVE client: the server's public key (without --curve-secret-key, a fresh key pair is used).", valueName: "key|file")
    )
    var curveServerKey: String?

    @Option(
        name: .customLong("allow-key"),
        parsing: .unconditionalSingleValue,
        help: ArgumentHelp("CURVE server: admit only clients with this public key (repeatable; starts the authenticator).", valueName: "key|file")
    )
    var allowKey: [String] = []

    @Option(name: .customLong("zap-domain"), help: ArgumentHelp("The ZAP domain (a NULL server with one asks the authenticator too).", valueName: "domain"))
    var zapDomain: String?

    /// What the options ask of the socket and of the authenticator.
    struct Settings {
        /// The socket's security settings.
        var security = SecurityOptions()
        /// The PLAIN passwords the authenticator admits; `nil` when it checks none.
        var passwords: [String: String]?
        /// The CURVE client keys the authenticator admits; `nil` when it checks none.
        var curveKeys: [CurveKey]?

        /// Whether the session starts an authenticator.
        var needsAuthenticator: Bool { passwords != nil || curveKeys != nil }
    }

    /// The settings these options give a socket and its authenticator.
    ///
    /// - Throws: a usage ``ToolFailure`` for options that do not go together, an --allow-user without a colon, or
    ///   a key that is neither 40 Z85 characters nor a certificate file holding the key needed.
    func settings() throws(ToolFailure) -> Settings {
        var settings = Settings()
        var security = SecurityOptions()
        if plainServer, plainUser != nil {
            throw .usage("--plain-server and --plain-user exclude each other: a socket is a PLAIN server or a client")
        }
        if plainPassword != nil, plainUser == nil {
            throw .usage("--plain-password needs --plain-user")
        }
        if !allowUser.isEmpty, !plainServer {
            throw .usage("--allow-user applies to a --plain-server")
        }
        for text in [plainUser, plainPassword].compactMap({ $0 }) where text.utf8.count > 255 {
            throw .usage("a PLAIN user name or password is at most 255 bytes")
        }
        let curveOptions = curveSecretKey != nil || curvePublicKey != nil || curveServerKey != nil || !allowKey.isEmpty
        if curveServer || curveOptions {
            if plainServer || plainUser != nil {
                throw .usage("CURVE and PLAIN options exclude each other: a socket uses one mechanism")
            }
            if curveServer, curveServerKey != nil {
                throw .usage("--curve-server and --curve-server-key exclude each other: a socket is a CURVE server or a client")
            }
            if curveServer, curveSecretKey == nil {
                throw .usage("--curve-server needs --curve-secret-key (make a pair with vtx keygen)")
            }
            if !curveServer, curveServerKey == nil {
                throw .usage("a CURVE client needs --curve-server-key (a CURVE server: --curve-server)")
            }
            if !allowKey.isEmpty, !curveServer {
                throw .usage("--allow-key applies to a --curve-server")
            }
            security.curveServer = curveServer
            security.curveSecretKey = try curveSecretKey.map { (text) throws(ToolFailure) in try Self.key(text, secret: true, option: "--curve-secret-key") }
            security.curvePublicKey = try curvePublicKey.map { (text) throws(ToolFailure) in try Self.key(text, secret: false, option: "--curve-public-key") }
            security.curveServerKey = try curveServerKey.map { (text) throws(ToolFailure) in try Self.key(text, secret: false, option: "--curve-server-key") }
            if !allowKey.isEmpty {
                var keys: [CurveKey] = []
                for text in allowKey { keys.append(try Self.key(text, secret: false, option: "--allow-key")) }
                settings.curveKeys = keys
            }
        }
        security.plainServer = plainServer
        security.plainUsername = plainUser
        security.plainPassword = plainPassword ?? (plainUser == nil ? nil : "")
        security.zapDomain = zapDomain
        if plainServer {
            var table: [String: String] = [:]
            for entry in allowUser {
                guard let colon = entry.firstIndex(of: ":"), colon != entry.startIndex else {
                    throw .usage("--allow-user takes user:password, not '\(entry)'")
                }
                table[String(entry[..<colon])] = String(entry[entry.index(after: colon)...])
            }
            settings.passwords = table
        }
        settings.security = security
        return settings
    }

    /// A key given on the command line: the path of a certificate file (its secret key when `secret`, else its
    /// public key), or else 40 Z85 characters. A file of that name comes first: '/', '-', '.', letters and digits
    /// are all Z85 digits, so a path of 40 such characters also decodes as a key (and was once taken for one).
    ///
    /// - Throws: a usage ``ToolFailure`` that names the option and says what is wrong with the key or file.
    static func key(_ text: String, secret: Bool, option: String) throws(ToolFailure) -> CurveKey {
        guard access(text, F_OK) == 0 else {
            if let key = try? CurveKey(z85: text) { return key }
            throw .usage("\(option): '\(text)' is neither a 40-character Z85 key nor a certificate file")
        }
        let certificate: Certificate
        do {
            certificate = try Certificate.load(from: text)
        } catch {
            throw .usage("\(option): \(error.message)")
        }
        guard secret else { return certificate.publicKey }
        guard let key = certificate.secretKey else {
            throw .usage("\(option): \(text) holds no secret key (give the NAME_secret file vtx keygen wrote)")
        }
        return key
    }
}
