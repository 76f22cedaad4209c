import Foundation
import Testing
import VTX
import VTXDriverTests

/// A directory of its own for the ipc endpoints of this test process.
private let ipcDirectory: String = {
    let path = NSTemporaryDirectory() + "vtx-conformance-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

/// The conformance suite over the drivers `VTX()` registers.
@Suite("Driver conformance: inproc, tcp and ipc", .timeLimit(.minutes(1)))
struct BuiltinDriverConformanceTests {
    /// inproc has no wire: no handshake events, and no reconnect once the binder is gone (as in libzmq).
    static let inproc = DriverConformance(
        scheme: "inproc",
        features: [],
        makeManager: { VTX() },
        makeBindEndpoint: { "inproc://conformance-\($0)" }
    )

    static let tcp = DriverConformance(
        scheme: "tcp",
        malformedEndpoints: [
            "tcp://127.0.0.1", "tcp://127.0.0.1:port", "tcp://127.0.0.1:70000", "tcp://[::1:5555", "tcp://:5555",
        ],
        makeManager: { VTX() },
        makeBindEndpoint: { _ in "tcp://127.0.0.1:*" }
    )

    static let ipc = DriverConformance(
        scheme: "ipc",
        malformedEndpoints: ["ipc://@", "ipc:///" + String(repeating: "x", count: 200)],
        makeManager: { VTX() },
        makeBindEndpoint: { "ipc://\(ipcDirectory)/\($0)" }
    )

    @Test(arguments: DriverConformance.Check.allCases)
    func inproc(_ check: DriverConformance.Check) async throws {
        try await Self.inproc.run(check)
    }

    @Test(arguments: DriverConformance.Check.allCases)
    func tcp(_ check: DriverConformance.Check) async throws {
        try await Self.tcp.run(check)
    }

    @Test(arguments: DriverConformance.Check.allCases)
    func ipc(_ check: DriverConformance.Check) async throws {
        try await Self.ipc.run(check)
    }
}
