import ArgumentParser
import VTX

/// `vtx`: ZeroMQ-style messaging from the shell.
@main
struct VTXTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vtx",
        abstract: "ZeroMQ-style messaging from the shell: talk to any ZMTP peer, measure, watch, proxy.",
        discussion: """
            Endpoints are libzmq's: tcp://127.0.0.1:5555, tcp://*:* (any interface, any port), ipc:///tmp/feed, ipc://@abstract, inproc://name. Peers may be VTX or libzmq (ZMTP 3.1). A failure prints one line on standard error and exits 1 (64 for a command line that cannot run).
            """,
        version: ToolVersion.text,
        subcommands: [
            CatCommand.self, PerfCommand.self, MonitorCommand.self, ProxyCommand.self, DemoCommand.self,
            KeygenCommand.self, VersionCommand.self, TransportsCommand.self, BeaconCommand.self, DiscoverCommand.self,
        ]
    )

    /// Parses the command line and runs the command; every failure ends the process with one line on standard
    /// error and a non-zero status.
    static func main() {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            fail(error)
        }
        do {
            var command = command
            try command.run()
        } catch {
            fail(error, command: type(of: command).configuration.commandName)
        }
    }

    private static func fail(_ error: any Error, command: String? = nil) -> Never {
        let prefix = command.map { $0 == "vtx" ? "vtx" : "vtx \($0)" } ?? "vtx"
        if let failure = error as? ToolFailure {
            printError("\(prefix): \(failure.message)")
            exit(withError: ExitCode(failure.status))
        }
        if let error = error as? VTXError {
            printError("\(prefix): \(error.message)")
            exit(withError: ExitCode(ToolFailure.runtimeStatus))
        }
        // Help and --version end well and print what they print; parse errors become one line.
        if exitCode(for: error) == .success { exit(withError: error) }
        let message = self.message(for: error).split(whereSeparator: \.isNewline).joined(separator: "; ")
        printError("vtx: \(message) (see 'vtx --help')")
        exit(withError: ExitCode(exitCode(for: error).rawValue))
    }
}

/// The tool's version.
enum ToolVersion {
    /// The version number.
    static let number = VTX.version
    /// What `vtx --version` prints.
    static let text = "vtx \(number)"
}
