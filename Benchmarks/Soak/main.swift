// vtx-soak: the programs of the soak (Benchmarks/soak.sh runs them; see docs/RELIABILITY.md, "Soak").
//
//   vtx-soak server --router ENDPOINT --pub ENDPOINT --until EPOCH [--rate PER_S] [--size BYTES]
//       A ROUTER that echoes every request, and a PUB publishing `rate` numbered messages a second, until the
//       wall-clock time EPOCH (seconds since 1970). Prints `ENDPOINT router|pub E`, `BOUND`, then at the end one
//       `RESULT role=router ...` and one `RESULT role=pub ...` line.
//   vtx-soak peers N --endpoint E --until EPOCH --samples FILE [--type dealer|req] [--interval MS] [--drain S]
//                    [--size BYTES]
//       N DEALER (or REQ) sockets, each sending one request every `interval` ms (one outstanding at a time) until
//       EPOCH, then waiting up to `drain` s for the replies still due. Writes round-trip times (µs) to FILE and
//       prints `RESULT role=peers sent= answered= lost= corrupt= ...`.
//   vtx-soak subs N --endpoint E --until EPOCH --samples FILE [--sample-every K]
//       N SUB sockets subscribed to everything until EPOCH; counts gaps in the sequence numbers and writes every
//       K-th publication's PUB-to-SUB latency (µs) to FILE; prints `RESULT role=subs received= gaps= ...`.
//
// Exit status: 0 after a run, 1 when a socket operation failed, 64 for a usage error.

import Foundation
import VTX

do throws(SoakFailure) {
    var arguments = CommandLine.arguments.dropFirst()
    guard let command = arguments.popFirst() else {
        throw SoakFailure("usage: vtx-soak server|peers N|subs N ...", status: 64)
    }
    switch command {
    case "server":
        let options = try SoakOptions(arguments)
        try runServer(
            ServerSettings(
                routerEndpoint: try options.string("router"), pubEndpoint: try options.string("pub"),
                until: try options.number("until", in: 0...1e10),
                rate: try options.number("rate", default: 50, in: 1...100_000),
                size: Int(try options.number("size", default: 64, in: 32...65_536))
            )
        )
    case "peers", "subs":
        guard let countText = arguments.popFirst(), let count = Int(countText), (1...10_000).contains(count) else {
            throw SoakFailure("usage: vtx-soak \(command) N (1...10000) ...", status: 64)
        }
        let options = try SoakOptions(arguments)
        if command == "peers" {
            let typeName = try options.string("type", default: "dealer")
            guard let type = SocketType(name: typeName), type == .dealer || type == .req else {
                throw SoakFailure("--type must be dealer or req", status: 64)
            }
            try runPeers(
                PeerSettings(
                    count: count, endpoint: try options.string("endpoint"), type: type,
                    until: try options.number("until", in: 0...1e10),
                    interval: Int64(try options.number("interval", default: 500, in: 1...60_000) * 1_000_000),
                    drain: try options.number("drain", default: 10, in: 0...600),
                    size: Int(try options.number("size", default: 64, in: 32...65_536)),
                    samplesPath: try options.string("samples")
                )
            )
        } else {
            try runSubscribers(
                SubscriberSettings(
                    count: count, endpoint: try options.string("endpoint"),
                    until: try options.number("until", in: 0...1e10), samplesPath: try options.string("samples"),
                    sampleEvery: Int(try options.number("sample-every", default: 10, in: 1...1_000_000))
                )
            )
        }
    default:
        throw SoakFailure("unknown command \(command); usage: vtx-soak server|peers N|subs N ...", status: 64)
    }
} catch {
    FileHandle.standardError.write(Data("vtx-soak: \(error)\n".utf8))
    exit(error.status)
}
