import Testing
import VTX
import VTXDriverTests

/// The driver conformance suite over `udp://`: every pattern, high-water marks, multipart, linger, reconnect with
/// subscription replay, bad endpoints, incompatible types and shutdown, as tcp passes it.
@Suite("Driver conformance: udp", .timeLimit(.minutes(1)))
struct UDPConformanceTests {
    static let udp = DriverConformance(
        scheme: "udp",
        malformedEndpoints: [
            "udp://127.0.0.1", "udp://127.0.0.1:port", "udp://127.0.0.1:70000", "udp://[::1:5555", "udp://:5555",
            "udp://127.0.0.1:5555?bogus=1", "udp://127.0.0.1:5555?loss=200",
        ],
        makeManager: { VTX() },
        makeBindEndpoint: { _ in "udp://127.0.0.1:*" }
    )

    @Test(arguments: DriverConformance.Check.allCases)
    func udp(_ check: DriverConformance.Check) async throws {
        try await Self.udp.run(check)
    }
}
