import Testing
import VTX

/// Security settings only go where a transport can run them: udp refuses them (it would talk in the clear),
/// inproc ignores them as libzmq does, tcp runs them.
@Suite("Security settings and transports", .timeLimit(.minutes(1)))
struct SecurityTransportTests {
    @Test(arguments: ["udp://127.0.0.1:*"])
    func networkTransportWithoutSecurityRefuses(_ endpoint: String) throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let server = try vtx.socket(.pull)
        defer { server.close() }
        server.curveServer = true
        server.curveSecretKey = CurveKeyPair.generate().secretKey
        let error = #expect(throws: VTXError.self) { try server.bind(endpoint) }
        #expect(error?.code == .notSupported)
        #expect(error?.message.contains("in the clear") == true, "\(String(describing: error))")
        let client = try vtx.socket(.push)
        defer { client.close() }
        client.plainUsername = "admin"
        #expect(throws: VTXError.notSupported) { try client.connect("udp://127.0.0.1:9") }
    }

    @Test func inprocIgnoresSecurityAsLibzmqDoes() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let server = try vtx.socket(.pull)
        let client = try vtx.socket(.push)
        defer { server.close(); client.close() }
        server.curveServer = true
        server.curveSecretKey = CurveKeyPair.generate().secretKey
        try server.bind("inproc://secured")
        try client.connect("inproc://secured")
        try client.send("in process")
        #expect(try server.receive(timeout: .seconds(5)).frames.first?.bytes == Array("in process".utf8))
    }

    @Test func capabilitiesSaySo() {
        let vtx = VTX()
        defer { vtx.shutdown() }
        #expect(vtx.capabilities(of: "tcp")?.supportsSecurity == true)
        #expect(vtx.capabilities(of: "ipc")?.supportsSecurity == true)
        #expect(vtx.capabilities(of: "udp")?.supportsSecurity == false)
    }
}
