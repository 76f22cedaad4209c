// `vtx-soak server`: the VTX process the soak watches. A ROUTER echoes every request back to its sender, and a PUB
// publishes numbered, timestamped messages at a fixed rate; each runs on its own thread until the deadline.

import Dispatch
import Foundation
import Synchronization
import VTX

/// The server's settings (see `vtx-soak` usage).
struct ServerSettings: Sendable {
    let routerEndpoint: String
    let pubEndpoint: String
    let until: Double
    let rate: Double
    let size: Int
}

/// Runs the ROUTER and the PUB until `settings.until`, then prints one RESULT line for each.
func runServer(_ settings: ServerSettings) throws(SoakFailure) {
    let vtx = VTX()
    let bound = DispatchSemaphore(value: 0)
    let finished = DispatchGroup()
    let failure = Mutex<SoakFailure?>(nil)
    for role in ["router", "pub"] {
        finished.enter()
        let thread = Thread {
            defer { finished.leave() }
            do throws(SoakFailure) {
                if role == "router" {
                    try serveRequests(vtx: vtx, settings: settings, bound: bound)
                } else {
                    try publish(vtx: vtx, settings: settings, bound: bound)
                }
            } catch {
                failure.withLock { $0 = error }
                bound.signal()
            }
        }
        thread.start()
    }
    bound.wait()
    bound.wait()
    say("BOUND")
    finished.wait()
    vtx.shutdown()
    if let error = failure.withLock({ $0 }) { throw error }
}

/// A socket bound to `endpoint`, its actual endpoint printed (`ENDPOINT router|pub E`) and `bound` signalled.
private func announcedSocket(_ vtx: VTX, _ type: SocketType, at endpoint: String, bound: DispatchSemaphore)
    throws(VTXError) -> Socket
{
    let socket = try vtx.socket(type)
    socket.linger = .zero
    try socket.bind(endpoint)
    say("ENDPOINT \(type.name.lowercased()) \(socket.lastEndpoint ?? endpoint)")
    bound.signal()
    return socket
}

/// The ROUTER: every request `[id, "", payload]` goes back unchanged to the peer that sent it.
private func serveRequests(vtx: VTX, settings: ServerSettings, bound: DispatchSemaphore) throws(SoakFailure) {
    var served = 0
    var malformed = 0
    var sendFailures = 0
    do {
        let router = try announcedSocket(vtx, .router, at: settings.routerEndpoint, bound: bound)
        while wallSeconds() < settings.until {
            let request: Message
            do {
                request = try router.receive(timeout: .milliseconds(200))
            } catch where error.code == .timedOut || error.code == .wouldBlock {
                continue
            }
            guard request.count == 3, request[1].isEmpty else {
                malformed += 1
                continue
            }
            do {
                try router.send(request, timeout: .zero)
                served += 1
            } catch {
                sendFailures += 1
            }
        }
        let statistics = router.statistics
        printResult([
            "role": "router", "served": String(served), "malformed": String(malformed),
            "send_failures": String(sendFailures), "connections": String(statistics.connections),
            "disconnections": String(statistics.disconnections), "dropped": String(statistics.messagesDropped),
        ])
        router.close()
    } catch {
        throw SoakFailure("router: \(error)")
    }
}

/// The PUB: message `seq:monotonic-ns:` padded to `size` bytes, `rate` times a second.
private func publish(vtx: VTX, settings: ServerSettings, bound: DispatchSemaphore) throws(SoakFailure) {
    var published = 0
    do {
        let pub = try announcedSocket(vtx, .pub, at: settings.pubEndpoint, bound: bound)
        let period = Int64(1_000_000_000 / settings.rate)
        var next = monotonicNanoseconds()
        while wallSeconds() < settings.until {
            let now = monotonicNanoseconds()
            if now < next {
                usleep(UInt32(min(next - now, 200_000_000) / 1000))
                continue
            }
            next += period
            let payload = paddedPayload("\(published):\(monotonicNanoseconds()):", size: settings.size)
            try pub.send(Message(payload))
            published += 1
        }
        let statistics = pub.statistics
        printResult([
            "role": "pub", "published": String(published), "dropped": String(statistics.messagesDropped),
            "connections": String(statistics.connections), "disconnections": String(statistics.disconnections),
        ])
        pub.close()
    } catch {
        throw SoakFailure("pub: \(error)")
    }
}
