import Testing
import VTX

@Suite("Stream smoke", .timeLimit(.minutes(1)))
struct StreamSmokeTests {
    @Test(arguments: ["tcp://127.0.0.1:*", "ipc:///tmp/vtx-smoke-\(UInt32.random(in: 0...UInt32.max))"])
    func requestReplyOverStreams(_ bindEndpoint: String) throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let rep = try vtx.socket(.rep)
        rep.receiveTimeout = .seconds(5)
        try rep.bind(bindEndpoint)
        let endpoint = try #require(rep.lastEndpoint)
        let req = try vtx.socket(.req)
        req.receiveTimeout = .seconds(5)
        req.sendTimeout = .seconds(5)
        try req.connect(endpoint)
        for i in 0..<10 {
            try req.send(Message(["hello", Frame("\(i)")]))
            let request = try rep.receive()
            #expect(request.map { $0.string ?? "" } == ["hello", "\(i)"])
            #expect(request.property("Socket-Type") == "REQ")
            try rep.send(Message("world \(i)"))
            #expect(try req.receive()[0].string == "world \(i)")
        }
        req.close()
        rep.close()
    }
}
