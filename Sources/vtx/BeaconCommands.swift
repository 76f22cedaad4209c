import ArgumentParser
import Dispatch
import Foundation
import VTX
import VTXUDP

/// `vtx beacon`: broadcasts a UDP discovery beacon, byte-compatible with czmq's `zbeacon`.
struct BeaconCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "beacon",
        abstract: "Broadcast a UDP discovery beacon (czmq zbeacon compatible) until --duration or Ctrl-C.",
        discussion: "The interface comes from VTX_INTERFACE (lo broadcasts to 127.255.255.255)."
    )

    @Option(help: "The UDP port.") var port: Int
    @Option(parsing: .unconditional, help: "The payload, as text.") var payload: String?
    @Option(help: "The payload, in hex (instead of --payload).") var hex: String?
    @Option(help: "Milliseconds between beacons.") var interval: Int = 1000
    @Option(help: "Seconds to run; without it, until Ctrl-C.") var duration: Double?
    @Flag(help: "IPv6 multicast to ff02::1 instead of IPv4 broadcast.") var ipv6 = false

    func run() throws {
        let bytes: [UInt8]
        switch (payload, hex) {
        case (let text?, nil): bytes = Array(text.utf8)
        case (nil, let hex?):
            guard let parsed = parseHex(hex) else { throw ToolFailure.usage("--hex '\(hex)' is not hexadecimal") }
            bytes = parsed
        default: throw ToolFailure.usage("give exactly one of --payload and --hex")
        }
        guard interval > 0, interval <= 3_600_000 else {
            throw ToolFailure.usage("--interval must be 1 to 3600000 milliseconds (an hour), not \(interval)")
        }
        let limit = try duration.map { (seconds) throws(ToolFailure) in
            try Duration(commandLine: seconds, option: "--duration", allowsZero: true)
        }
        let beacon = try Beacon(port: port, ipv6: ipv6)
        defer { beacon.close() }
        try beacon.publish(bytes, interval: .milliseconds(interval))
        let done = DispatchSemaphore(value: 0)
        let interruption = Interruption { done.signal() }
        defer { interruption.cancel() }
        if let limit {
            _ = done.wait(timeout: .now() + limit.inSeconds)
        } else {
            done.wait()
        }
    }
}

/// `vtx discover`: prints the beacons heard on a port, one line each: the sender's address and the payload in hex.
struct DiscoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Print UDP beacons heard on a port: the sender's IP address, a space, the payload in lowercase hex.",
        discussion: "Exits 0 after --count beacons, 1 when --timeout passes first."
    )

    @Option(help: "The UDP port.") var port: Int
    @Option(parsing: .unconditional, help: "Only beacons starting with this text.") var prefix: String = ""
    @Option(help: "Stop after this many beacons.") var count: Int?
    @Option(help: "Give up after this many seconds.") var timeout: Double?
    @Flag(help: "Listen to IPv6 multicast (ff02::1) instead of IPv4 broadcast.") var ipv6 = false

    func run() throws {
        let limit = try timeout.map { (seconds) throws(ToolFailure) in
            try Duration(commandLine: seconds, option: "--timeout")
        }
        let beacon = try Beacon(port: port, ipv6: ipv6)
        defer { beacon.close() }
        beacon.subscribe(prefix: Array(prefix.utf8))
        let heard = DispatchSemaphore(value: 0)
        let interruption = Interruption { heard.signal() }
        defer { interruption.cancel() }
        let wanted = count
        let events = beacon.events
        Task.detached {
            var seen = 0
            for await event in events {
                let hex = event.payload.map { String(format: "%02x", $0) }.joined()
                FileHandle.standardOutput.write(Data("\(event.sender) \(hex)\n".utf8))
                seen += 1
                if let wanted, seen >= wanted { break }
            }
            heard.signal()
        }
        let finished = limit.map { heard.wait(timeout: .now() + $0.inSeconds) == .success } ?? { heard.wait(); return true }()
        guard finished else { throw ToolFailure("no \(count.map { "\($0) beacons" } ?? "end") within \(timeout ?? 0) s") }
    }
}

/// Bytes from hexadecimal text, or `nil`.
private func parseHex(_ text: String) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    for index in stride(from: 0, to: digits.count, by: 2) {
        guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
        bytes.append(byte)
    }
    return bytes
}
