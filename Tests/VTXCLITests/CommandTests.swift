import ArgumentParser
import Foundation
import Testing
import VTX

@testable import VTXTool

/// `vtx version`, `--help`, `transports` and `demo`, and the parsing the commands share.
@Suite(.timeLimit(.minutes(2)))
struct CommandTests {
    @Test("version and --version")
    func version() throws {
        let run = try Tool.run(["version"])
        #expect(run.status == 0)
        #expect(run.output.first == "vtx \(VTX.version)", "the tool reports the library's version")
        #expect(run.output.contains("transports: \(toolSchemes.joined(separator: ", "))"), "\(run.output)")
        #expect(try Tool.run(["--version"]).output == ["vtx \(ToolVersion.number)"])
    }

    @Test("--help lists every command")
    func help() throws {
        let run = try Tool.run(["--help"])
        #expect(run.status == 0)
        let text = run.output.joined(separator: "\n")
        for command in ["cat", "perf", "monitor", "proxy", "demo", "keygen", "version", "transports", "beacon", "discover"] {
            #expect(text.contains("  \(command) "), "\(command) missing from: \(text)")
        }
        for command in ["cat", "perf", "monitor", "proxy", "keygen"] {
            let help = try Tool.run([command, "--help"])
            #expect(help.status == 0)
            #expect(help.output.contains { $0.contains("Examples:") }, "\(command) --help has no examples")
        }
    }

    @Test("transports lists each scheme with its capabilities")
    func transports() throws {
        let run = try Tool.run(["transports"])
        #expect(run.status == 0)
        #expect(run.output.first?.split(separator: " ", omittingEmptySubsequences: true) == ["scheme", "kind", "reliable", "ordered", "broadcast", "max", "message"])
        let rows = run.output.dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.map { $0.first ?? "" } == toolSchemes)
        #expect(rows.map { $0[1] } == ["memory"] + Array(repeating: "stream", count: toolSchemes.count - 2) + ["datagram"])
        #expect(rows.last.map { $0[4] } == "yes", "udp should list broadcast: \(rows)")
        #expect(rows.allSatisfy { $0[2] == "yes" && $0[3] == "yes" })
    }

    @Test("demo runs on loopback and ends by itself")
    func demo() throws {
        let started = ContinuousClock.now
        let run = try Tool.run(["demo"], timeout: .seconds(60))
        #expect(run.status == 0, "\(run.errors)")
        let text = run.output.joined(separator: "\n")
        for expected in ["REP replied \"Hello, Ada!\"", "SUB got \"weather\"", "worker 2 got", "DEALER got \"welcome, bob\"", "handshakeSucceeded", "[msg/s]", "[us]", "answered \"ack\"", "Done in"] {
            #expect(text.contains(expected), "'\(expected)' missing from the demo: \(text)")
        }
        #expect(!run.output.contains { $0.contains("SUB got") && $0.contains("sports") }, "a filtered message was printed: \(text)")
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    // MARK: Parsing

    @Test("endpoint specs: bind:, connect:, and bare endpoints (tcp://*:PORT binds)")
    func endpointSpecs() {
        #expect(EndpointSpec(parsing: "bind:ipc:///tmp/x") == EndpointSpec(action: .bind, endpoint: "ipc:///tmp/x"))
        #expect(EndpointSpec(parsing: "connect:tcp://h:1") == EndpointSpec(action: .connect, endpoint: "tcp://h:1"))
        #expect(EndpointSpec(parsing: "tcp://h:1") == EndpointSpec(action: .connect, endpoint: "tcp://h:1"))
        #expect(EndpointSpec(parsing: "tcp://*:5555") == EndpointSpec(action: .bind, endpoint: "tcp://*:5555"))
        #expect(EndpointSpec(parsing: "ipc://@name") == EndpointSpec(action: .connect, endpoint: "ipc://@name"))
    }

    @Test("socket specs: TYPE@ENDPOINT, any case; ipc://@name is not a type")
    func socketSpecs() throws {
        let router = try SocketSpec(parsing: "router@tcp://*:5555")
        #expect(router.type == .router && router.endpoint == EndpointSpec(action: .bind, endpoint: "tcp://*:5555"))
        let dealer = try SocketSpec(parsing: "DEALER@connect:ipc://@workers")
        #expect(dealer.type == .dealer && dealer.endpoint == EndpointSpec(action: .connect, endpoint: "ipc://@workers"))
        let capture = try SocketSpec(parsing: "ipc://@capture", defaultType: .pub)
        #expect(capture.type == .pub && capture.endpoint.endpoint == "ipc://@capture")
        #expect(throws: ToolFailure.self) { try SocketSpec(parsing: "ipc://@capture") }
        #expect(throws: ToolFailure.self) { try SocketSpec(parsing: "SOCK@tcp://h:1") }
    }

    @Test("frames: split on the delimiter, joined by it; one frame per line without one")
    func frameFormat() {
        let split = FrameFormat(delimiter: "||").message(fromLine: Array("a||||b||".utf8))
        #expect(split.map { $0.string ?? "?" } == ["a", "", "b", ""])
        #expect(FrameFormat(delimiter: nil).message(fromLine: Array("a|b".utf8)).count == 1)
        #expect(FrameFormat(delimiter: "|").message(fromLine: []).map(\.count) == [0])
    }

    @Test("cat: each type's mode")
    func catModes() throws {
        func mode(_ arguments: [String]) throws -> CatPlan.Mode {
            try CatPlan(CatCommand.parse(arguments + ["--connect", "tcp://127.0.0.1:1"])).mode
        }
        let expected: [SocketType: CatPlan.Mode] = [
            .push: .send, .pub: .send, .pull: .receive, .sub: .receive, .xsub: .receive, .req: .request, .rep: .reply,
            .dealer: .duplex, .router: .duplex, .pair: .duplex, .xpub: .duplex,
        ]
        for (type, expectedMode) in expected {
            #expect(try mode(["--type", type.name.lowercased()]) == expectedMode, "\(type)")
        }
        #expect(try mode(["--type", "REP", "--echo"]) == .echo)
        #expect(try mode(["--type", "pair", "--echo"]) == .echo)
    }
}
