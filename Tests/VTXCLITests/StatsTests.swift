import Foundation
import Testing
import VTX

/// `vtx cat --stats`: the socket's counters on standard error when the run ends.
@Suite(.timeLimit(.minutes(2)))
struct StatsTests {
    @Test("--stats prints what the socket sent and its connections")
    func statsAfterSending() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let pull = try vtx.socket(.pull)
        pull.receiveTimeout = .seconds(30)
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(pull.lastEndpoint)

        let run = try Tool.run(["cat", "--type", "push", "--connect", endpoint, "--stats"], input: "a\nbb\n")
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.isEmpty)
        let stats = run.errors.filter { $0.hasPrefix("stats: ") }
        #expect(stats.count == 1, "\(run.errors)")
        let fields = Dictionary(
            uniqueKeysWithValues: (stats.first ?? "").dropFirst("stats: ".count).split(separator: " ").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), Int(parts.last ?? "") ?? -1)
            }
        )
        #expect(fields["messages-sent"] == 2)
        #expect(fields["bytes-sent"] == 3)
        #expect(fields["messages-received"] == 0)
        #expect(fields["connections"] == 1)
        #expect(fields["handshake-failures"] == 0)
        #expect(fields.keys.sorted() == [
            "bytes-received", "bytes-sent", "connections", "disconnections", "dropped", "handshake-failures",
            "messages-received", "messages-sent", "queued", "reconnects",
        ])
        #expect(try pull.receive()[0].string == "a")
        #expect(try pull.receive()[0].string == "bb")
    }

    @Test("without --stats nothing is added to standard error")
    func noStatsByDefault() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let pull = try vtx.socket(.pull)
        try pull.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(pull.lastEndpoint)
        let run = try Tool.run(["cat", "--type", "push", "--connect", endpoint], input: "a\n")
        #expect(run.status == 0, "\(run.errors)")
        #expect(!run.errors.contains { $0.hasPrefix("stats: ") })
    }
}
