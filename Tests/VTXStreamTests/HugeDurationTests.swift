import Testing
import VTX

/// Durations at the edge of their type: every option that becomes a timer or a wait takes `.seconds(Int64.max)`
/// (a wait that never ends) without trapping. Before the fix, converting such a value for NIO or for `poll`
/// multiplied past `Int64` and killed the process.
@Suite("Huge durations", .timeLimit(.minutes(1)))
struct HugeDurationTests {
    @Test func everyDurationOptionTakesTheLargestValue() throws {
        let vtx = VTX()
        defer { vtx.shutdown() }
        let huge = Duration.seconds(Int64.max)
        let pull = try vtx.socket(.pull)
        let push = try vtx.socket(.push)
        for socket in [pull, push] {
            socket.linger = huge
            socket.handshakeInterval = huge
            socket.heartbeatInterval = huge
            socket.heartbeatTimeout = huge
            socket.heartbeatTTL = huge
            socket.reconnectInterval = huge
            socket.reconnectIntervalMax = huge
            socket.receiveTimeout = huge
            socket.sendTimeout = huge
        }
        try pull.bind("tcp://127.0.0.1:*")
        try push.connect(try #require(pull.lastEndpoint))
        try push.send("edge")
        // Waits (if the message is not there yet) with the huge receive timeout.
        #expect(try pull.receive().frames.first?.bytes == Array("edge".utf8))
        pull.close()
        push.close()
    }
}
