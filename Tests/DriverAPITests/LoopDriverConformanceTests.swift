import Testing
import VTXCore
import VTXDriverTests

/// The conformance suite over the `loop://` driver, as a driver package outside VTX would run it.
@Suite("Driver conformance: loop", .timeLimit(.minutes(1)))
struct LoopDriverConformanceTests {
    static let loop = DriverConformance(
        scheme: "loop",
        makeManager: {
            let vtx = VTX(drivers: [:])
            try vtx.register(LoopDriver(), for: "loop")
            return vtx
        },
        makeBindEndpoint: { "loop://conformance-\($0)" }
    )

    @Test(arguments: DriverConformance.Check.allCases)
    func loop(_ check: DriverConformance.Check) async throws {
        try await Self.loop.run(check)
    }
}
