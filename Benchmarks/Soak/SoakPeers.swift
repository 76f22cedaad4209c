// `vtx-soak peers N`: N DEALER or REQ sockets in one process, each doing paced request/reply round trips with the
// server's ROUTER, one request outstanding at a time. At the deadline they stop sending and wait (the drain) for
// the replies still due; a request still unanswered after the drain is lost.

import Foundation
import VTX

/// The peers' settings (see `vtx-soak` usage).
struct PeerSettings {
    let count: Int
    let endpoint: String
    let type: SocketType
    let until: Double
    let interval: Int64
    let drain: Double
    let size: Int
    let samplesPath: String
}

/// One peer's state: its socket, the request it waits for, and when it sends the next one.
private struct Peer {
    let socket: Socket
    var sequence = 0
    var outstanding: [UInt8]?
    var sentAt: Int64 = 0
    var due: Int64
}

/// What all peers of the process counted.
private struct PeerTally {
    var sent = 0
    var answered = 0
    var corrupt = 0
    var unexpected = 0
    var backPressure = 0
    let peerCount: Int
    var samples = LatencySamples()
    var answeredPeers = 0
}

/// Runs the peers until `settings.until`, drains, writes the latency samples and prints the RESULT line.
func runPeers(_ settings: PeerSettings) throws(SoakFailure) {
    let vtx = VTX()
    defer { vtx.shutdown() }
    let group = try SocketGroup(vtx, settings.type, count: settings.count, endpoint: settings.endpoint)
    // First requests spread over one interval, so the peers do not all ask at once.
    let start = monotonicNanoseconds()
    var peers = group.sockets.indices.map { index in
        Peer(socket: group.sockets[index], due: start + settings.interval * Int64(index) / Int64(settings.count))
    }
    say("READY peers=\(settings.count)")
    var tally = PeerTally(peerCount: settings.count)
    let pid = getpid()
    let drainEnd = settings.until + settings.drain
    var sending = true
    while true {
        let wall = wallSeconds()
        if sending && wall >= settings.until { sending = false }
        let waiting = peers.contains { $0.outstanding != nil }
        if !sending && (!waiting || wall >= drainEnd) { break }
        do {
            for (index, socket) in try group.wait(timeout: .milliseconds(20)) {
                // A REQ has at most one reply to give (asking it for another is an error); a DEALER may have more.
                while settings.type == .dealer || peers[index].outstanding != nil, let reply = try socket.tryReceive() {
                    receive(reply, peer: &peers[index], type: settings.type, now: monotonicNanoseconds(),
                            interval: settings.interval, tally: &tally)
                }
            }
            let now = monotonicNanoseconds()
            guard sending else { continue }
            for index in peers.indices where peers[index].outstanding == nil && peers[index].due <= now {
                let payload = paddedPayload("\(pid)-\(index)-\(peers[index].sequence)", size: settings.size)
                let message = settings.type == .dealer ? Message([Frame(), Frame(payload)]) : Message(payload)
                guard try peers[index].socket.trySend(message) else {
                    tally.backPressure += 1
                    peers[index].due = now + settings.interval
                    continue
                }
                peers[index].outstanding = payload
                peers[index].sentAt = monotonicNanoseconds()
                peers[index].sequence += 1
                tally.sent += 1
            }
        } catch {
            throw SoakFailure("peers: \(error)")
        }
    }
    let lost = peers.filter { $0.outstanding != nil }.count
    try tally.samples.write(to: settings.samplesPath)
    printResult([
        "role": "peers", "type": settings.type.name, "count": String(settings.count), "sent": String(tally.sent),
        "answered": String(tally.answered), "lost": String(lost), "corrupt": String(tally.corrupt),
        "unexpected": String(tally.unexpected), "back_pressure": String(tally.backPressure),
    ])
    group.close()
}

/// Checks one reply against the request the peer waits for and records its round-trip time.
private func receive(_ reply: Message, peer: inout Peer, type: SocketType, now: Int64, interval: Int64,
                     tally: inout PeerTally)
{
    let body: Frame
    if type == .dealer {
        guard reply.count == 2, reply[0].isEmpty else {
            tally.corrupt += 1
            return
        }
        body = reply[1]
    } else {
        guard reply.count == 1 else {
            tally.corrupt += 1
            return
        }
        body = reply[0]
    }
    guard let expected = peer.outstanding else {
        tally.unexpected += 1
        return
    }
    guard body.bytes == expected else {
        tally.corrupt += 1
        return
    }
    tally.answered += 1
    tally.samples.append(now - peer.sentAt)
    if peer.sequence == 1 {
        // The first answer of this peer: when all have had one, the process has settled.
        tally.answeredPeers += 1
        if tally.answeredPeers == tally.peerCount { say("SETTLED t=\(wallSeconds())") }
    }
    peer.outstanding = nil
    peer.due = max(now, peer.sentAt + interval)
}
