import Foundation
import Testing
import VTX
import VTXTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The `lifecycle-server` example, run as a process: it answers, and SIGTERM stops it gracefully.
@Suite(.timeLimit(.minutes(1)))
struct LifecycleServerTests {
    /// The example's binary, built beside this test bundle by `swift build --build-tests`.
    private var binary: String? {
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let path = URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("lifecycle-server").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    @Test func answersThenStopsOnSIGTERM() async throws {
        let path = try #require(binary, "build the example first: swift build --build-tests")
        let server = try ChildProcess(path, ["tcp://127.0.0.1:*"], name: "lifecycle-server")
        let listening = try await onOwnThread {
            try server.errorLine(timeout: .seconds(20)) { $0.contains("listening") }
        }
        let endpoint = try #require(
            listening.split(separator: " ").first { $0.hasPrefix("endpoint=") }?.dropFirst("endpoint=".count)
        )
        let vtx = VTX()
        defer { vtx.shutdown() }
        let client = try makeSocket(vtx, .req)
        try client.connect(String(endpoint))
        try await client.send("ping")
        #expect(try await client.receiveString() == "ping")

        server.signal(SIGTERM)
        let status = try await onOwnThread { try server.exitStatus(timeout: .seconds(20)) }
        #expect(status == 0, "\(server.output) \(server.errors)")
        // swift-log's default handler writes to standard error.
        #expect(server.errors.contains { $0.contains("answered=1") }, "\(server.errors)")
        #expect(server.errors.contains { $0.contains("stopped") }, "\(server.errors)")
    }
}
