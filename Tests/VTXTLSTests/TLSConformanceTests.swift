import Testing
import VTX
import VTXDriverTests
import VTXTLS

/// The driver conformance suite over `tls://`: each check's manager has a tls driver that presents the fixture
/// server certificate (so its sockets can bind) and trusts the fixture CA (so they can connect and verify it).
@Suite("Driver conformance: tls", .timeLimit(.minutes(1)))
struct TLSConformanceTests {
    static let tls = DriverConformance(
        scheme: "tls",
        malformedEndpoints: ["tls://127.0.0.1", "tls://127.0.0.1:port", "tls://127.0.0.1:70000", "tls://:5555"],
        makeManager: {
            let vtx = VTX()
            try vtx.register(TLSDriver(configuration: Fixture.configuration(certificate: "server")), for: "tls")
            return vtx
        },
        makeBindEndpoint: { _ in "tls://127.0.0.1:*" }
    )

    @Test(arguments: DriverConformance.Check.allCases)
    func tls(_ check: DriverConformance.Check) async throws {
        try await Self.tls.run(check)
    }
}
