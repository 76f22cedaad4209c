// `vtx-soak subs N`: N SUB sockets in one process, subscribed to everything the server's PUB sends. Each checks
// the sequence numbers it receives (a gap after its first message is a lost publication, a repeat or a step back
// is out of order) and samples the PUB-to-SUB latency from the publication's timestamp.

import Foundation
import VTX

/// The subscribers' settings (see `vtx-soak` usage).
struct SubscriberSettings {
    let count: Int
    let endpoint: String
    let until: Double
    let samplesPath: String
    /// Every `sampleEvery`-th publication's latency is kept (all of them would be millions of samples).
    let sampleEvery: Int
}

/// What all subscribers of the process counted.
private struct SubscriberTally {
    var received = 0
    var gaps = 0
    var outOfOrder = 0
    var malformed = 0
    var silent = 0
    var samples = LatencySamples()
}

/// Runs the subscribers until `settings.until`, writes the latency samples and prints the RESULT line.
func runSubscribers(_ settings: SubscriberSettings) throws(SoakFailure) {
    let vtx = VTX()
    defer { vtx.shutdown() }
    let group = try SocketGroup(vtx, .sub, count: settings.count, endpoint: settings.endpoint) {
        socket throws(VTXError) in try socket.subscribe("")
    }
    say("READY subs=\(settings.count)")
    var last = [Int](repeating: -1, count: settings.count)
    var tally = SubscriberTally()
    var receiving = 0
    do {
        while wallSeconds() < settings.until {
            for (index, socket) in try group.wait(timeout: .milliseconds(100)) {
                while let message = try socket.tryReceive() {
                    let now = monotonicNanoseconds()
                    let fields = (message.first?.string ?? "").split(separator: ":", maxSplits: 2)
                    guard fields.count >= 2, let sequence = Int(fields[0]), let sentAt = Int64(fields[1]) else {
                        tally.malformed += 1
                        continue
                    }
                    tally.received += 1
                    if last[index] >= 0 {
                        if sequence > last[index] + 1 { tally.gaps += sequence - last[index] - 1 }
                        if sequence <= last[index] { tally.outOfOrder += 1 }
                    }
                    if last[index] < 0 {
                        // This SUB's first message: when all have had one, the process has settled.
                        receiving += 1
                        if receiving == settings.count { say("SETTLED t=\(wallSeconds())") }
                    }
                    last[index] = max(last[index], sequence)
                    if sequence % settings.sampleEvery == 0 { tally.samples.append(now - sentAt) }
                }
            }
        }
    } catch {
        throw SoakFailure("subs: \(error)")
    }
    tally.silent = last.filter { $0 < 0 }.count
    try tally.samples.write(to: settings.samplesPath)
    printResult([
        "role": "subs", "count": String(settings.count), "received": String(tally.received),
        "gaps": String(tally.gaps), "out_of_order": String(tally.outOfOrder), "malformed": String(tally.malformed),
        "silent": String(tally.silent),
    ])
    group.close()
}
