import Foundation
import Testing
import VTXTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The built `vtx` executable, run as a subprocess.
enum Tool {
    /// The binary: next to the test bundle (`.build/debug/vtx`, `.build-cli/debug/vtx`).
    static let path: String? = BuiltExecutable.path(named: "vtx")

    /// Starts `vtx` with `arguments`.
    static func start(_ arguments: [String]) throws -> ChildProcess {
        guard let path else { throw ChildFailure(description: "the vtx binary was not found beside the test bundle") }
        return try ChildProcess(path, arguments, name: "vtx \(arguments.joined(separator: " "))")
    }

    /// Runs `vtx` with `arguments` and `input` on its standard input, to the end.
    static func run(_ arguments: [String], input: String = "", timeout: Duration = .seconds(30)) throws -> Run {
        let child = try start(arguments)
        child.write(input)
        child.closeInput()
        let status = try child.exitStatus(timeout: timeout)
        return Run(status: status, output: child.output, errors: child.errors)
    }

    /// What a finished run printed.
    struct Run {
        let status: Int32
        let output: [String]
        let errors: [String]
    }
}

/// A check that a failed run said so in one clear line: a non-zero status, exactly one line on standard error,
/// starting with `vtx`, containing `expected`, and nothing that looks like a crash.
func expectOneLineFailure(_ run: Tool.Run, status: Int32? = nil, containing expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(run.status != 0, "exited 0: \(run.errors)", sourceLocation: sourceLocation)
    if let status { #expect(run.status == status, "\(run.errors)", sourceLocation: sourceLocation) }
    let lines = run.errors.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    #expect(lines.count == 1, "standard error: \(lines)", sourceLocation: sourceLocation)
    let line = lines.first ?? ""
    #expect(line.hasPrefix("vtx"), "\(line)", sourceLocation: sourceLocation)
    #expect(line.contains(expected), "'\(line)' does not mention '\(expected)'", sourceLocation: sourceLocation)
    for crash in ["Fatal error", "Stack dump", "backtrace", "Current stack trace", "Segmentation fault", "Illegal instruction"] {
        #expect(!line.contains(crash), "\(line)", sourceLocation: sourceLocation)
    }
}

/// The schemes `vtx version` and `vtx transports` list, sorted: the built-in ones, and `tls` when built with the TLS
/// trait (`vtx cat` registers tls only for a tls:// endpoint).
#if TLS
let toolSchemes = ["inproc", "ipc", "tcp", "tls", "udp"]
#else
let toolSchemes = ["inproc", "ipc", "tcp", "udp"]
#endif

/// The stream transports the interop tests cover.
enum Transport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case tcp, ipc

    var testDescription: String { rawValue }

    /// A fresh endpoint to bind: an ephemeral tcp port (the binder reports the real one) or a new socket file.
    func freshEndpoint() -> String {
        switch self {
        case .tcp: "tcp://127.0.0.1:*"
        case .ipc: "ipc:///tmp/vtx-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        }
    }
}

/// Which side of an interop test listens.
enum Binder: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// `vtx` binds, the libzmq peer connects.
    case vtx
    /// The libzmq peer binds, `vtx` connects.
    case libzmq

    var testDescription: String { "\(rawValue) binds" }
}

/// A libzmq socket in a child process: `Tests/VTXTestSupport/Peers/zmq_peer.py` (pyzmq), scripted by its arguments
/// and, with `--stdin`, by lines written to it. See `zmq_peer.py --help` for its actions and output tags.
final class ZMQPeer {
    /// Whether python3 can import zmq; the interop tests are skipped otherwise.
    static let isAvailable: Bool = {
        guard let run = try? ChildProcess("/usr/bin/env", ["python3", "-c", "import zmq"], name: "python3") else { return false }
        return (try? run.exitStatus()) == 0
    }()

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("VTXTestSupport/Peers/zmq_peer.py").path

    let child: ChildProcess
    /// The endpoints the peer bound (its `ENDPOINT` lines).
    private(set) var endpoints: [String] = []

    /// Starts a peer and waits until it is set up (`READY`); socket timeouts of 10 s and a 60 s deadline bound it.
    init(_ arguments: [String]) throws {
        child = try ChildProcess(
            "/usr/bin/env",
            ["python3", "-u", ZMQPeer.script, "--timeout", "10000", "--deadline", "60"] + arguments,
            name: "libzmq peer \(arguments.joined(separator: " "))"
        )
        while true {
            let line = try child.nextLine()
            if line == "READY" { return }
            if line.hasPrefix("ERROR") { throw child.failure("failed: \(line)") }
            if line.hasPrefix("ENDPOINT ") { endpoints.append(String(line.dropFirst("ENDPOINT ".count))) }
        }
    }

    /// The next received message, as UTF-8 frames.
    func message(timeout: Duration = .seconds(15)) throws -> [String] {
        let line = try expect("MSG", timeout: timeout)
        guard let hexes = try? JSONDecoder().decode([String].self, from: Data(line.utf8)) else {
            throw child.failure("printed a message that does not parse: \(line)")
        }
        return hexes.map { String(decoding: ZMQPeer.bytes(hex: $0), as: UTF8.self) }
    }

    /// Skips output lines to the one tagged `tag` (failing on `ERROR`); returns the rest of it.
    @discardableResult
    func expect(_ tag: String, timeout: Duration = .seconds(15)) throws -> String {
        let line = try child.line(timeout: timeout) { $0 == tag || $0.hasPrefix(tag + " ") || $0.hasPrefix("ERROR") }
        if line.hasPrefix("ERROR") && tag != "ERROR" { throw child.failure("reported \(line)") }
        return String(line.dropFirst(min(line.count, tag.count + 1)))
    }

    /// Runs one action of a `--stdin` peer, such as `send 6869`.
    func run(_ action: String) {
        child.write(action + "\n")
    }

    /// Waits for `DONE` and a clean exit.
    func finish() throws {
        try expect("DONE")
        let status = try child.exitStatus()
        guard status == 0 else { throw child.failure("exited with status \(status)") }
    }

    /// Frames in the peer's FRAMES syntax: each frame's UTF-8 bytes in hex, separated by commas.
    static func frames(_ frames: String...) -> String {
        frames.map { $0.utf8.map { String(format: "%02x", $0) }.joined() }.joined(separator: ",")
    }

    private static func bytes(hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }
}

/// One `vtx cat` and one libzmq peer joined over a fresh endpoint, whichever side binds; removes the socket file.
final class CatPair {
    let tool: ChildProcess
    let peer: ZMQPeer
    private let socketFile: String?

    /// Starts `vtx cat` with `tool` arguments and a peer with `peer` arguments (both without endpoints); the binder
    /// starts first, and the other connects to the endpoint it reports.
    init(_ transport: Transport, _ binder: Binder, tool: [String], peer: [String]) throws {
        let fresh = transport.freshEndpoint()
        socketFile = fresh.hasPrefix("ipc://") ? String(fresh.dropFirst("ipc://".count)) : nil
        switch binder {
        case .vtx:
            let tool = try Tool.start(["cat", "--bind", fresh] + tool)
            var endpoint = fresh
            if transport == .tcp {
                let line = try tool.errorLine { $0.hasPrefix("vtx cat: bound to ") }
                endpoint = String(line.dropFirst("vtx cat: bound to ".count))
            }
            self.tool = tool
            self.peer = try ZMQPeer(["--connect", endpoint] + peer)
        case .libzmq:
            let peer = try ZMQPeer(["--bind", fresh] + peer)
            guard let endpoint = peer.endpoints.first else { throw peer.child.failure("bound nothing") }
            self.peer = peer
            self.tool = try Tool.start(["cat", "--connect", endpoint] + tool)
        }
    }

    deinit {
        tool.kill()
        peer.child.kill()
        if let socketFile { unlink(socketFile) }
    }

    /// Waits for `vtx` to exit 0.
    func expectToolSucceeds(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let status = try tool.exitStatus()
        #expect(status == 0, "vtx exited \(status): \(tool.errors)", sourceLocation: sourceLocation)
    }
}
