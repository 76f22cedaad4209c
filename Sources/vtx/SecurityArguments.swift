import ArgumentParser
import VTX

/// `vtx cat`'s security options: PLAIN, CURVE and ZAP for tcp:// and ipc:// endpoints.
struct SecurityArguments: ParsableArguments {
    @Option(name: .customLong("plain-user"), help: ArgumentHelp("PLAIN client: the user name to send.", valueName: "user"))
    var plainUser: String?

    @Option(name: .customLong("plain-password"), help: ArgumentHelp("PLAIN client: the password to send.", valueName: "password"))
    var plainPassword: String?

    @Flag(name: .customLong("plain-server"), help: "PLAIN server: admit the clients of --allow-user.")
    var plainServer = false

    @Option(
        name: .customLong("allow-user"),
        help: ArgumentHelp("PLAIN server: admit this user with this password (repeatable; starts the authenticator).", valueName: "user:password")
    )
    var allowUser: [String] = []

    @Option(name: .customLong("zap-domain"), help: ArgumentHelp("The ZAP domain (a NULL server with one asks the authenticator too).", valueName: "domain"))
    var zapDomain: String?

    /// The settings these options give a socket, and the password table for the authenticator (`nil`: none).
    ///
    /// - Throws: a usage ``ToolFailure`` for options that do not go together or an --allow-user without a colon.
    func settings() throws(ToolFailure) -> (security: SecurityOptions, passwords: [String: String]?) {
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
        security.plainServer = plainServer
        security.plainUsername = plainUser
        security.plainPassword = plainPassword ?? (plainUser == nil ? nil : "")
        security.zapDomain = zapDomain
        var passwords: [String: String]?
        if plainServer {
            var table: [String: String] = [:]
            for entry in allowUser {
                guard let colon = entry.firstIndex(of: ":"), colon != entry.startIndex else {
                    throw .usage("--allow-user takes user:password, not '\(entry)'")
                }
                table[String(entry[..<colon])] = String(entry[entry.index(after: colon)...])
            }
            passwords = table
        }
        return (security, passwords)
    }
}
