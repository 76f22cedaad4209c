import Testing
import VTX
import VTXTestSupport

/// A monitor holds at most its capacity of unread events, counts what it drops, always keeps the final
/// `monitorStopped`, and can be cancelled (issue 14, item 2).
@Suite("Monitor capacity and cancellation", .timeLimit(.minutes(1)))
struct MonitorCapacityTests {
    @Test func unreadEventsBeyondTheCapacityAreDroppedAndCounted() async throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let server = try vtx.socket(.pull)
        let small = try server.monitor(capacity: 2)
        let counting = try server.monitor(capacity: 100)
        try server.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(server.lastEndpoint)
        let peers = try (0..<3).map { _ in try vtx.socket(.push) }
        for peer in peers { try peer.connect(endpoint) }
        let handshakes = try await onOwnThread { () -> Int in
            var count = 0
            while count < 3, counting.next(.handshakeSucceeded, timeout: .seconds(10)) != nil { count += 1 }
            return count
        }
        #expect(handshakes == 3)
        // listening, then accepted and handshakeSucceeded for each peer: at least 7 events, 2 kept.
        #expect(small.droppedEvents >= 5, "dropped \(small.droppedEvents)")
        for peer in peers { peer.close() }
        server.close()
        let kinds = try await onOwnThread { () -> [MonitorEvent.Kind] in
            var kinds: [MonitorEvent.Kind] = []
            while kinds.count < 10, let event = small.next(timeout: .seconds(5)) { kinds.append(event.kind) }
            return kinds
        }
        #expect(kinds.count == 3, "\(kinds)")
        #expect(kinds.last == .monitorStopped, "the final event was not kept: \(kinds)")
    }

    @Test func cancelEndsTheStreamAndStopsDelivery() async throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let server = try vtx.socket(.pull)
        defer { server.close() }
        let monitor = try server.monitor()
        let reader = Task { () -> Int in
            var count = 0
            for await _ in monitor { count += 1 }
            return count
        }
        try server.bind("tcp://127.0.0.1:*")
        monitor.cancel()
        let seen = await reader.value
        #expect(seen <= 1, "\(seen) events after the bind")
        // Nothing more is queued after a cancel.
        let peer = try vtx.socket(.push)
        defer { peer.close() }
        try peer.connect(try #require(server.lastEndpoint))
        try await peer.send("x")
        #expect(try await server.receiveString() == "x")
        #expect(monitor.next(timeout: .zero) == nil)
        #expect(monitor.droppedEvents == 0)
        monitor.cancel()
    }
}
