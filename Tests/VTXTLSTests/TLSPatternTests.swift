import Testing
import VTX
import VTXTLS

/// VTX to VTX over `tls://`: the patterns, multipart messages, and a reconnect after the server restarts.
@Suite("tls: patterns between VTX sockets", .timeLimit(.minutes(2)))
struct TLSPatternTests {
    @Test func requestReply() async throws {
        let (server, client) = (try TLSSide.server(), try TLSSide.client())
        defer { client.finish(); server.finish() }
        let (rep, endpoint) = try server.bound(.rep)
        #expect(endpoint.hasPrefix("tls://127.0.0.1:") && !endpoint.hasSuffix(":0"))
        let req = try client.socket(.req)
        let monitor = try req.monitor()
        try req.connect(endpoint)
        let handshake = try #require(await monitor.event(.handshakeSucceeded, timeout: .seconds(10)))
        #expect(handshake.peerAddress == endpoint)
        for i in 0..<5 {
            try await req.send(Message("ping \(i)"))
            #expect(try await rep.receive()[0].string == "ping \(i)")
            try await rep.send(Message("pong \(i)"))
            #expect(try await req.receive()[0].string == "pong \(i)")
        }
    }

    /// An XPUB sees the subscription arrive (so nothing is published before it), then filters by it.
    @Test func publishSubscribe() async throws {
        let (server, client) = (try TLSSide.server(), try TLSSide.client())
        defer { client.finish(); server.finish() }
        let (xpub, endpoint) = try server.bound(.xpub)
        let sub = try client.socket(.sub)
        try sub.subscribe("news")
        try sub.connect(endpoint)
        #expect(try await xpub.receive()[0].bytes == [1] + Array("news".utf8))
        try await xpub.send("weather: rain")
        try await xpub.send("news: TLS works")
        #expect(try await sub.receive()[0].string == "news: TLS works")
    }

    /// Messages of 1 to 4 frames, from empty to 256 KiB, arrive whole and in order.
    @Test func pushPullMultipart() async throws {
        let (server, client) = (try TLSSide.server(), try TLSSide.client())
        defer { client.finish(); server.finish() }
        let (pull, endpoint) = try server.bound(.pull)
        let push = try client.socket(.push)
        try push.connect(endpoint)
        let sizes = [0, 1, 100, 16_383, 16_384, 65_536, 262_144]
        for (i, size) in sizes.enumerated() {
            let payload = Frame((0..<size).map { UInt8(truncatingIfNeeded: $0 &+ i) })
            let frames = [Frame("part \(i)"), payload] + Array(repeating: Frame(), count: i % 3)
            try await push.send(Message(frames))
        }
        for (i, size) in sizes.enumerated() {
            let message = try await pull.receive()
            #expect(message.count == 2 + i % 3)
            #expect(message[0].string == "part \(i)")
            #expect(message[1].bytes == (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ i) })
        }
    }

    /// The server goes away (its manager shuts down) and comes back on the same port; the client reconnects,
    /// handshakes again, and requests go through.
    @Test func reconnectsAfterTheServerRestarts() async throws {
        let client = try TLSSide.client()
        defer { client.finish() }
        var server = try TLSSide.server()
        let (rep, endpoint) = try server.bound(.rep)
        let req = try client.socket(.req)
        let monitor = try req.monitor()
        try req.connect(endpoint)
        try await req.send("before")
        #expect(try await rep.receive()[0].string == "before")
        try await rep.send("ok")
        #expect(try await req.receive()[0].string == "ok")
        #expect(await monitor.event(.handshakeSucceeded, timeout: .seconds(10)) != nil)

        server.finish()
        #expect(await monitor.event(.disconnected, timeout: .seconds(10)) != nil)
        server = try TLSSide.server()
        defer { server.finish() }
        let (again, _) = try server.bound(.rep, endpoint)
        #expect(await monitor.event(.handshakeSucceeded, timeout: .seconds(10)) != nil, "no new handshake after the restart")
        try await req.send("after")
        #expect(try await again.receive()[0].string == "after")
        try await again.send("ok")
        #expect(try await req.receive()[0].string == "ok")
    }

    /// `tls://localhost:PORT` verifies the server's DNS name (and sends it in SNI).
    @Test func verifiesAHostName() async throws {
        let (server, client) = (try TLSSide.server(), try TLSSide.client())
        defer { client.finish(); server.finish() }
        let (rep, endpoint) = try server.bound(.rep)
        let req = try client.socket(.req)
        try req.connect("tls://localhost:\(try port(of: endpoint))")
        try await req.send("by name")
        #expect(try await rep.receive()[0].string == "by name")
    }
}
