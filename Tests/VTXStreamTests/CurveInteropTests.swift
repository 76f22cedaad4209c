import Foundation
import Testing
import VTX
import VTXTestSupport

/// CURVE between VTX and real libzmq (pyzmq 25.1.2, libzmq 4.3.4 with libsodium), over tcp and ipc, each side
/// binding in turn: VTX clients of libzmq servers, libzmq clients of VTX servers judged by VTX's Authenticator,
/// multipart and large messages through the boxes, and a refusal as both sides report it.
@Suite(
    "Interop with libzmq: CURVE",
    .enabled(if: LibzmqRuntime.current != nil, Comment(rawValue: LibzmqRuntime.skipReason)),
    .timeLimit(.minutes(1))
)
struct CurveInteropTests {
    /// libzmq's test keys (`doc/zmq_curve.txt`).
    static let serverPublic = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
    static let serverSecret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
    static let clientPublic = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
    static let clientSecret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"

    /// A VTX CURVE client of a libzmq CURVE server (no ZAP handler: libzmq admits any key): echoes, then a
    /// multipart message with an empty and a 70 000-byte frame, both ways.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func vtxClientOfLibzmqServer(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let req = try h.socket(.req)
        req.curveServerKey = try CurveKey(z85: Self.serverPublic)
        req.curveSecretKey = try CurveKey(z85: Self.clientSecret)
        let (peer, _) = try h.join(
            req, direction, peer: "REP", ["--curve-server", "--curve-secret", Self.serverSecret, "--echo", "4"]
        )
        for round in 0..<3 {
            try req.send(Message(["echo", Frame("\(round)")]))
            #expect(try req.receive().frameBytes == [utf8("echo"), utf8("\(round)")])
        }
        let big = Message([Frame("multi"), Frame(), Frame([UInt8](repeating: 0xA5, count: 70_000))])
        try req.send(big)
        #expect(try req.receive().frameBytes == big.frameBytes)
        #expect(try peer.expect("ECHOED") == "4")
        try peer.finish()
    }

    /// A libzmq CURVE client of a VTX CURVE server whose Authenticator allows the client's key: the request
    /// arrives with `User-Id` (the key in Z85, as the Authenticator sets it) and the reply goes back.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func libzmqClientOfVTXServer(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let auth = try Authenticator(manager: h.vtx)
        defer { auth.stop() }
        auth.allowCurveKeys([try CurveKey(z85: Self.clientPublic)])
        let rep = try h.socket(.rep)
        rep.curveServer = true
        rep.curveSecretKey = try CurveKey(z85: Self.serverSecret)
        let (peer, _) = try h.join(
            rep, direction, peer: "REQ",
            ["--curve-serverkey", Self.serverPublic, "--curve-secret", Self.clientSecret, "--curve-public",
             Self.clientPublic, "--send", "6869,,00ff", "--recv", "1"]
        )
        let request = try rep.receive()
        #expect(request.frameBytes == [utf8("hi"), [], [0x00, 0xFF]])
        #expect(request.property("User-Id") == Self.clientPublic)
        try rep.send(Message([Frame("ho"), Frame([UInt8](repeating: 7, count: 300))]))
        #expect(try peer.message() == [utf8("ho"), [UInt8](repeating: 7, count: 300)])
        try peer.finish()
    }

    /// A libzmq CURVE client whose key VTX's Authenticator does not allow: VTX sends ERROR 400 and both sides
    /// report an authentication failure with status 400.
    @Test(arguments: InteropTransport.allCases)
    func libzmqClientRefusedByVTX(_ transport: InteropTransport) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let auth = try Authenticator(manager: h.vtx)
        defer { auth.stop() }
        auth.allowCurveKeys([try CurveKey(z85: Self.serverPublic)])
        let rep = try h.socket(.rep)
        rep.curveServer = true
        rep.curveSecretKey = try CurveKey(z85: Self.serverSecret)
        let monitor = try rep.monitor()
        try rep.bind(h.bindEndpoint())
        let peer = try h.peer(
            ["--type", "REQ", "--connect", try #require(rep.lastEndpoint), "--curve-serverkey", Self.serverPublic,
             "--curve-secret", Self.clientSecret, "--curve-public", Self.clientPublic, "--monitor", "--stdin"]
        )
        let failed = try #require(monitor.next(.handshakeFailed, timeout: .seconds(10)))
        #expect(failed.error?.code == .authenticationFailed, "\(failed)")
        #expect(failed.authenticationStatus == 400, "\(failed)")
        #expect(peer.waitForEvent("HANDSHAKE_FAILED_AUTH"), "libzmq events: \(peer.eventNames)")
        let event = peer.events.first { $0.hasPrefix("EVENT HANDSHAKE_FAILED_AUTH ") }
        #expect(event?.hasSuffix(" 400") == true, "libzmq reported \(event ?? "nothing")")
    }

    /// A VTX client with the wrong server key: libzmq cannot open its HELLO and closes; VTX never completes a
    /// handshake.
    @Test func vtxClientWithWrongServerKey() throws {
        let h = InteropHarness(.tcp)
        defer { h.finish() }
        let req = try h.socket(.req)
        req.curveServerKey = try CurveKey(z85: Self.clientPublic)
        let monitor = try req.monitor()
        let peer = try h.peer(
            ["--type", "REP", "--bind", h.bindEndpoint(), "--curve-server", "--curve-secret", Self.serverSecret,
             "--monitor", "--stdin"]
        )
        try req.connect(try peer.endpoint)
        #expect(peer.waitForEvent("HANDSHAKE_FAILED_PROTOCOL"), "libzmq events: \(peer.eventNames)")
        #expect(monitor.next(.handshakeSucceeded, timeout: .milliseconds(300)) == nil)
    }

    /// libzmq's own ZAP handler (pyzmq's ThreadAuthenticator) judging VTX CURVE clients: a listed key and any key
    /// admitted, an unlisted key refused, each reported by both sides as libzmq reports it.
    @Test(arguments: InteropTransport.allCases)
    func vtxClientsJudgedByLibzmqAuthenticator(_ transport: InteropTransport) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let listed = try h.socket(.req)
        listed.curveServerKey = try CurveKey(z85: Self.serverPublic)
        listed.curveSecretKey = try CurveKey(z85: Self.clientSecret)
        let (peer, _) = try h.join(
            listed, .libzmqBinds, peer: "REP",
            ["--curve-server", "--curve-secret", Self.serverSecret, "--auth-curve-key", Self.clientPublic,
             "--monitor", "--echo", "1", "--stdin"]
        )
        try listed.send("listed")
        #expect(try listed.receive().frameBytes == [utf8("listed")])
        #expect(try peer.expect("ECHOED") == "1")

        let stranger = try h.socket(.req)
        stranger.curveServerKey = try CurveKey(z85: Self.serverPublic)
        stranger.curveSecretKey = CurveKeyPair.generate().secretKey
        let monitor = try stranger.monitor()
        try stranger.connect(try peer.endpoint)
        let failed = try #require(monitor.next(.handshakeFailed, timeout: .seconds(10)))
        #expect(failed.error?.code == .authenticationFailed, "\(failed)")
        #expect(failed.authenticationStatus == 400, "\(failed)")
        #expect(peer.waitForEvent("HANDSHAKE_FAILED_AUTH"), "libzmq events: \(peer.eventNames)")
    }

    /// libzmq's ThreadAuthenticator with CURVE_ALLOW_ANY admits a VTX client with a fresh key pair.
    @Test func vtxClientAdmittedByLibzmqAllowAny() throws {
        let h = InteropHarness(.tcp)
        defer { h.finish() }
        let req = try h.socket(.req)
        req.curveServerKey = try CurveKey(z85: Self.serverPublic)
        let (peer, _) = try h.join(
            req, .libzmqBinds, peer: "REP",
            ["--curve-server", "--curve-secret", Self.serverSecret, "--auth-curve-any", "--echo", "2"]
        )
        try expectEchoes(req, peer, count: 2)
    }
}

