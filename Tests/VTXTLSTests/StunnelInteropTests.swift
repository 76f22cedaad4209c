import Testing
import VTX
import VTXTLS
import VTXTestSupport

/// VTX over TLS to a real libzmq (pyzmq in a child process), with stunnel4 terminating TLS in front of the
/// libzmq socket: ZMTP 3.1 inside TLS is byte for byte what libzmq speaks over tcp.
@Suite(
    "tls: interop with libzmq through stunnel",
    .enabled(if: Stunnel.path != nil && LibzmqRuntime.current != nil, Stunnel.skipReason),
    .timeLimit(.minutes(2))
)
struct StunnelInteropTests {
    /// VTX tls client → stunnel (server mode, the test certificate) → libzmq REP on tcp.
    @Test func vtxClientToLibzmqServer() async throws {
        let peer = try await onOwnThread { try LibzmqPeer(["--type", "REP", "--bind", "tcp://127.0.0.1:*", "--echo", "3"]) }
        defer { peer.close() }
        let target = try port(of: try peer.endpoint)
        let stunnel = try await onOwnThread {
            try Stunnel(
                client: false,
                forwardingTo: target,
                options: ["cert = \(Fixture.path("server.pem"))", "key = \(Fixture.path("server-key.pem"))"]
            )
        }
        defer { stunnel.stop() }
        let client = try TLSSide.client()
        defer { client.finish() }
        let req = try client.socket(.req)
        try req.connect("tls://127.0.0.1:\(stunnel.port)")
        for i in 0..<3 {
            let request = Message([Frame("request \(i)"), Frame([0, 1, 2, 255]), Frame()])
            try await req.send(request)
            let reply = try await req.receive()
            #expect(reply.frameBytes == request.frameBytes, "stunnel log: \(stunnel.log.suffix(5))")
        }
        try await onOwnThread { try peer.finish() }
    }

    /// libzmq REQ on tcp → stunnel (client mode, verifying the VTX server against the test CA and its IP) → VTX
    /// tls REP.
    @Test func libzmqClientToVTXServer() async throws {
        let server = try TLSSide.server()
        defer { server.finish() }
        let (rep, endpoint) = try server.bound(.rep)
        let monitor = try rep.monitor()
        let target = try port(of: endpoint)
        let stunnel = try await onOwnThread {
            try Stunnel(
                client: true,
                forwardingTo: target,
                options: ["CAfile = \(Fixture.path("ca.pem"))", "verifyChain = yes", "checkIP = 127.0.0.1"]
            )
        }
        defer { stunnel.stop() }
        let peer = try await onOwnThread {
            try LibzmqPeer([
                "--type", "REQ", "--connect", "tcp://127.0.0.1:\(stunnel.port)",
                "--send", "6869,00ff", "--recv", "1", "--send", "6869,01", "--recv", "1",
            ])
        }
        defer { peer.close() }
        #expect(await monitor.event(.handshakeSucceeded, timeout: .seconds(10)) != nil, "stunnel log: \(stunnel.log.suffix(5))")
        for suffix: UInt8 in [0xff, 0x01] {
            let request = try await rep.receive()
            #expect(request.frameBytes == [Array("hi".utf8), suffix == 0xff ? [0, 0xff] : [suffix]])
            #expect(request.property("Socket-Type") == "REQ")
            try await rep.send(Message([Frame("ok")]))
            #expect(try await onOwnThread { try peer.message() } == [Array("ok".utf8)])
        }
        try await onOwnThread { try peer.finish() }
    }
}

extension Message {
    /// The frames as bytes.
    var frameBytes: [[UInt8]] { map(\.bytes) }
}
