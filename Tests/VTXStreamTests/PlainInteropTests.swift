import Foundation
import Testing
import VTX
import VTXTestSupport

/// PLAIN and ZAP between VTX and real libzmq (pyzmq 25.1.2, libzmq 4.3.4), over tcp and ipc, each side binding
/// in turn: libzmq's own ZAP handler (pyzmq's `ThreadAuthenticator`) judging VTX clients, VTX's `Authenticator`
/// judging libzmq clients, and every refusal as both sides report it.
@Suite(
    "Interop with libzmq: PLAIN and ZAP",
    .enabled(if: LibzmqRuntime.current != nil, Comment(rawValue: LibzmqRuntime.skipReason)),
    .timeLimit(.minutes(1))
)
struct PlainInteropTests {
    /// A VTX PLAIN client with the right password, admitted by libzmq's ThreadAuthenticator.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func vtxClientAdmittedByLibzmq(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let req = try h.socket(.req)
        req.plainUsername = "admin"
        req.plainPassword = "secret"
        let (peer, _) = try h.join(
            req, direction, peer: "REP", ["--plain-server", "--auth-user", "admin:secret", "--echo", "3"]
        )
        try expectEchoes(req, peer, count: 3)
        try peer.finish()
    }

    /// A VTX PLAIN client with a wrong password: libzmq's handler answers 400, libzmq sends its `^RROR`, and
    /// both sides report an authentication failure with status 400.
    @Test(arguments: InteropTransport.allCases)
    func vtxClientRefusedByLibzmq(_ transport: InteropTransport) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let req = try h.socket(.req)
        req.plainUsername = "admin"
        req.plainPassword = "wrong"
        let monitor = try req.monitor()
        let peer = try h.peer(
            ["--type", "REP", "--bind", h.bindEndpoint(), "--plain-server", "--auth-user", "admin:secret",
             "--monitor", "--stdin"]
        )
        try req.connect(try peer.endpoint)
        let failed = try #require(monitor.next(.handshakeFailed, timeout: .seconds(10)))
        #expect(failed.error?.code == .authenticationFailed, "\(failed)")
        #expect(failed.authenticationStatus == 400, "\(failed)")
        #expect(peer.waitForEvent("HANDSHAKE_FAILED_AUTH"), "libzmq events: \(peer.eventNames)")
    }

    /// A libzmq PLAIN client admitted by VTX's Authenticator; its messages carry `User-Id`.
    @Test(arguments: InteropTransport.allCases, InteropDirection.allCases)
    func libzmqClientAdmittedByVTX(_ transport: InteropTransport, _ direction: InteropDirection) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let auth = try Authenticator(manager: h.vtx)
        defer { auth.stop() }
        auth.setPasswords(["admin": "secret"])
        let rep = try h.socket(.rep)
        rep.plainServer = true
        let (peer, _) = try h.join(
            rep, direction, peer: "REQ",
            ["--plain-user", "admin", "--plain-password", "secret", "--send", "6869", "--recv", "1"]
        )
        let request = try rep.receive()
        #expect(request.frameBytes == [utf8("hi")])
        #expect(request.property("User-Id") == "admin")
        try rep.send("ho")
        #expect(try peer.message() == [utf8("ho")])
        try peer.finish()
    }

    /// A libzmq PLAIN client with a wrong password: VTX answers with the ERROR spelling libzmq's client knows,
    /// so libzmq reports `HANDSHAKE_FAILED_AUTH` with 400, as it would against a libzmq server.
    @Test(arguments: InteropTransport.allCases)
    func libzmqClientRefusedByVTX(_ transport: InteropTransport) throws {
        let h = InteropHarness(transport)
        defer { h.finish() }
        let auth = try Authenticator(manager: h.vtx)
        defer { auth.stop() }
        auth.setPasswords(["admin": "secret"])
        let rep = try h.socket(.rep)
        rep.plainServer = true
        let monitor = try rep.monitor()
        try rep.bind(h.bindEndpoint())
        let peer = try h.peer(
            ["--type", "REQ", "--connect", try #require(rep.lastEndpoint), "--plain-user", "admin",
             "--plain-password", "guess", "--monitor", "--stdin"]
        )
        let failed = try #require(monitor.next(.handshakeFailed, timeout: .seconds(10)))
        #expect(failed.error?.code == .authenticationFailed, "\(failed)")
        #expect(failed.authenticationStatus == 400, "\(failed)")
        #expect(peer.waitForEvent("HANDSHAKE_FAILED_AUTH"), "libzmq events: \(peer.eventNames)")
        let event = peer.events.first { $0.hasPrefix("EVENT HANDSHAKE_FAILED_AUTH ") }
        #expect(event?.hasSuffix(" 400") == true, "libzmq reported \(event ?? "nothing")")
    }

    /// NULL with a ZAP domain: VTX's Authenticator refuses a denied address; libzmq's client sees the ERROR.
    @Test func nullWithDomainJudgedByVTX() throws {
        let h = InteropHarness(.tcp)
        defer { h.finish() }
        let auth = try Authenticator(manager: h.vtx)
        defer { auth.stop() }
        auth.deny("127.0.0.1")
        let pull = try h.socket(.pull)
        pull.zapDomain = "global"
        let monitor = try pull.monitor()
        try pull.bind(h.bindEndpoint())
        let peer = try h.peer(
            ["--type", "PUSH", "--connect", try #require(pull.lastEndpoint), "--monitor", "--stdin"]
        )
        let failed = try #require(monitor.next(.handshakeFailed, timeout: .seconds(10)))
        #expect(failed.authenticationStatus == 400, "\(failed)")
        #expect(peer.waitForEvent("HANDSHAKE_FAILED_AUTH"), "libzmq events: \(peer.eventNames)")
    }

    /// NULL with a ZAP domain on libzmq's side: its ThreadAuthenticator refuses the VTX client's address, and
    /// VTX reports the refusal with its status.
    @Test func nullWithDomainJudgedByLibzmq() throws {
        let h = InteropHarness(.tcp)
        defer { h.finish() }
        let push = try h.socket(.push)
        let monitor = try push.monitor()
        let peer = try h.peer(
            ["--type", "PULL", "--bind", h.bindEndpoint(), "--zap-domain", "global", "--auth-deny", "127.0.0.1",
             "--stdin"]
        )
        try push.connect(try peer.endpoint)
        let failed = try #require(monitor.next(.handshakeFailed, timeout: .seconds(10)))
        #expect(failed.error?.code == .authenticationFailed, "\(failed)")
        #expect(failed.authenticationStatus == 400, "\(failed)")
    }

    /// A PLAIN server without any ZAP handler refuses, in libzmq and in VTX alike: it cannot check a password.
    @Test func plainServerWithoutHandlerRefuses() throws {
        let h = InteropHarness(.tcp)
        defer { h.finish() }
        let rep = try h.socket(.rep)
        rep.plainServer = true
        let monitor = try rep.monitor()
        try rep.bind(h.bindEndpoint())
        let peer = try h.peer(
            ["--type", "REQ", "--connect", try #require(rep.lastEndpoint), "--plain-user", "admin",
             "--plain-password", "secret", "--monitor", "--stdin"]
        )
        let failed = try #require(monitor.next(.handshakeFailed, timeout: .seconds(10)))
        #expect(failed.error?.code == .authenticationFailed, "\(failed)")
        #expect(failed.error?.message.contains("ZAP handler") == true, "\(failed)")
        #expect(peer.waitForEvent("DISCONNECTED"), "libzmq events: \(peer.eventNames)")
        // libzmq's own PLAIN server does the same with a VTX client.
        let req = try h.socket(.req)
        req.plainUsername = "admin"
        req.plainPassword = "secret"
        let clientMonitor = try req.monitor()
        let server = try h.peer(["--type", "REP", "--bind", h.bindEndpoint(), "--plain-server", "--stdin"])
        try req.connect(try server.endpoint)
        #expect(clientMonitor.next(.handshakeFailed, timeout: .seconds(10)) != nil)
    }
}
