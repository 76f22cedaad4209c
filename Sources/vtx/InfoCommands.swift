import ArgumentParser
import VTX
#if TLS
import VTXTLS
#endif

/// `vtx version`: the tool's version and what it speaks.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the version of vtx and of the protocols it speaks."
    )

    /// Prints the version, the protocol, the socket types and the transports.
    func run() throws {
        let schemes = registeredTransports().map(\.scheme).joined(separator: ", ")
        let output = MessageOutput()
        output.line(ToolVersion.text)
        output.line("protocol: ZMTP 3.1 (NULL mechanism), interoperable with libzmq 4.3")
        output.line("sockets: \(SocketType.allCases.map(\.name).joined(separator: ", "))")
        output.line("transports: \(schemes)")
        output.flush()
    }
}

/// `vtx transports`: the registered schemes and what each driver can do.
struct TransportsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transports",
        abstract: "List the registered transport schemes with their capabilities."
    )

    /// Prints one row per registered scheme.
    func run() throws {
        var rows = [["scheme", "kind", "reliable", "ordered", "broadcast", "max message"]]
        for (scheme, capabilities) in registeredTransports() {
            rows.append([
                scheme,
                capabilities.kind.rawValue,
                capabilities.isReliable ? "yes" : "no",
                capabilities.isOrdered ? "yes" : "no",
                capabilities.supportsBroadcast ? "yes" : "no",
                capabilities.maxMessageSize.map { "\($0) B" } ?? "no limit",
            ])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        let output = MessageOutput()
        for row in rows {
            let cells = row.enumerated().map { column, cell in
                cell + String(repeating: " ", count: widths[column] - cell.count)
            }
            output.line(cells.joined(separator: "  ").trimmingTrailingSpaces())
        }
        output.flush()
    }
}

/// The schemes the tool's commands register (`VTX()`'s built-in drivers, and `tls` when built with the `TLS`
/// trait), with their drivers' capabilities, sorted.
func registeredTransports() -> [(scheme: String, capabilities: DriverCapabilities)] {
    let vtx = VTX()
    defer { vtx.shutdown() }
    #if TLS
    try? vtx.registerTLS(TLSDriver.Configuration())
    #endif
    return vtx.schemes.compactMap { scheme in vtx.capabilities(of: scheme).map { (scheme, $0) } }
}

extension String {
    /// The string without the spaces at its end.
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
