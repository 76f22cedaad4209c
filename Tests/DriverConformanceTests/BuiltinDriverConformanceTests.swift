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

    /// A core bug the stream drivers hit now and then: when a connect's handshake fails on a protocol error (here
    /// the socket types), the driver reports `connecting`, then `connectFailed` as it gives up; if the connecting
    /// thread drains both answers at once, `Socket.handle(_:)` lets the second overwrite the first in `replies`,
    /// and `connect()` throws the background handshake error instead of returning (the endpoint is then not
    /// recorded either, so `disconnect` cannot find it).
    static let connectAnswerOverwritten: Comment = """
        connect() sometimes throws incompatibleSocketType: Socket.handle(_:) lets a later connectFailed overwrite \
        the connecting answer when both are drained together
        """

    /// Seen only under ThreadSanitizer, over tcp and ipc (inproc and loop pass): a PUSH flooding a PULL from one
    /// thread while another thread waits in the PULL's `receive()` reaches its high-water marks at once (tcp:
    /// 3000 sent, ipc: 2000) while the PULL receives nothing for seconds, so the check's 5 s wait for 200
    /// messages runs out (about 1 run in 5 of the suite; 60 of 60 tcp and 17 of 30 ipc when 30-60 copies of the
    /// check run in parallel). It is a delay, not a permanent stall: alone the check takes 0.1-1.6 s under TSan,
    /// and 8 parallel copies with a 20 s wait all passed (in 11 s). 200 64-byte messages in 5 s is a low bar, so
    /// the receiving engine looks starved (on the driver's one event loop, or of its pipe's `.readable` wake-up).
    /// Never seen in debug builds.
    static let floodedPullStarves: Comment = """
        tcp and ipc, under TSan: a PULL flooded by a PUSH on another thread gets nothing for over 5 s while the \
        PUSH fills its high-water marks (receiving engine starved?)
        """

    /// The known issues of each stream transport, by check.
    static let streamKnownIssues: [DriverConformance.Check: Comment] = [
        .incompatibleTypes: connectAnswerOverwritten,
        .shutdownInFlight: floodedPullStarves,
    ]

    @Test(arguments: DriverConformance.Check.allCases)
    func inproc(_ check: DriverConformance.Check) async throws {
        try await Self.inproc.run(check)
    }

    @Test(arguments: DriverConformance.Check.allCases)
    func tcp(_ check: DriverConformance.Check) async throws {
        try await withKnownIssue(Self.streamKnownIssues[check] ?? "", isIntermittent: true) {
            try await Self.tcp.run(check)
        } when: {
            Self.streamKnownIssues[check] != nil
        }
    }

    @Test(arguments: DriverConformance.Check.allCases)
    func ipc(_ check: DriverConformance.Check) async throws {
        try await withKnownIssue(Self.streamKnownIssues[check] ?? "", isIntermittent: true) {
            try await Self.ipc.run(check)
        } when: {
            Self.streamKnownIssues[check] != nil
        }
    }
}
