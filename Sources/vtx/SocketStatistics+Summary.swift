import VTX

extension SocketStatistics {
    /// The counters as one line of `name=value` pairs, as `vtx cat --stats` prints them:
    /// `stats: messages-sent=2 bytes-sent=3 messages-received=0 bytes-received=0 dropped=0 connections=1
    /// disconnections=0 handshake-failures=0 reconnects=0 queued=0`.
    var summary: String {
        let pairs: [(String, Int)] = [
            ("messages-sent", messagesSent), ("bytes-sent", bytesSent),
            ("messages-received", messagesReceived), ("bytes-received", bytesReceived),
            ("dropped", messagesDropped), ("connections", connections), ("disconnections", disconnections),
            ("handshake-failures", handshakeFailures), ("reconnects", reconnects), ("queued", queuedOutbound),
        ]
        return "stats: " + pairs.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
    }
}
