import Testing
import VTX

@Suite("Smoke", .timeLimit(.minutes(1)))
struct SmokeTests {
    @Test func requestReplyRoundTrip() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let rep = try makeSocket(vtx, .rep)
        let req = try makeSocket(vtx, .req)
        let endpoint = uniqueEndpoint()
        try rep.bind(endpoint)
        try req.connect(endpoint)
        try req.send("hello")
        let request = try rep.receive()
        #expect(request.strings == ["hello"])
        #expect(request.property("Socket-Type") == "REQ")
        try rep.send("world")
        #expect(try req.receive().strings == ["world"])
    }
}
