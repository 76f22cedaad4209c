import Foundation
import Testing
import VTX
import VTXTestSupport
import ZMTP

/// What one hostile connection can make a server hold (issue 14, finding 1): a greeting, then a header claiming
/// 2^62 bytes, then a steady stream of bytes. Before the fix VTX gathered all of it (27 MB → 2.1 GB RSS in 20 s);
/// now the claim is refused at its header, the connection is dropped with a monitor event, and the server's
/// memory stays where it was while a good peer keeps flowing.
@Suite("Bounded memory: hostile peers", .timeLimit(.minutes(2)), .serialized)
struct MemoryBoundTests {
    /// What the attacker tries to make the server hold.
    static let floodSize = 48 << 20
    /// The most the server's process may grow meanwhile (the kernel's socket buffers are not counted in RSS).
    static let allowedGrowth = 12 << 20

    /// A long frame header: flags (`02` data, `06` command) and an 8-byte size.
    static func header(flags: UInt8, size: UInt64) -> [UInt8] {
        [flags] + withUnsafeBytes(of: size.bigEndian) { Array($0) }
    }

    /// Sends up to ``floodSize`` bytes in 64 KiB chunks until the server stops taking them; returns what was sent.
    static func flood(_ attacker: RawZMTPPeer) -> Int {
        let chunk = [UInt8](repeating: 0x5A, count: 64 * 1024)
        var sent = 0
        while sent < floodSize {
            do { try attacker.send(chunk) } catch { break }
            sent += chunk.count
        }
        return sent
    }

    /// Runs `attack` against a server (PULL over the setup's transport, no maxMessageSize) and checks its RSS grew
    /// by less than ``allowedGrowth`` and the attacker could not push the whole flood.
    static func expectBounded(
        _ setup: BadInputSetup,
        sourceLocation: SourceLocation = #_sourceLocation,
        attack: @escaping (BadInputScenario) throws -> Int
    ) throws {
        var growth = 0
        var sent = 0
        try BadInputScenario.run(setup, sourceLocation: sourceLocation) { scenario in
            let before = ProcessMemory.resident() ?? 0
            sent = try attack(scenario)
            growth = (ProcessMemory.resident() ?? 0) - before
        }
        #expect(sent < floodSize, "the server took all \(sent) bytes of the flood", sourceLocation: sourceLocation)
        #expect(
            growth < allowedGrowth,
            "the server's RSS grew by \(ProcessMemory.describe(growth)) during the attack",
            sourceLocation: sourceLocation
        )
    }

    @Test("a 2^62-byte command claimed during the handshake, then a flood", arguments: [BadInputSetup.pullOverTCP, .pullOverIPC])
    func hugeCommandDuringHandshake(_ setup: BadInputSetup) throws {
        try Self.expectBounded(setup) { scenario in
            let attacker = try RawZMTPPeer(connectingTo: scenario.endpoint)
            try attacker.send(ZMTPWire.greeting() + Self.header(flags: 0x06, size: 1 << 62))
            let sent = Self.flood(attacker)
            scenario.expectDropped(
                attacker, .handshakeFailed, code: .messageTooLarge, mentioning: ["command", "during the handshake"]
            )
            return sent
        }
    }

    @Test("a 2^62-byte data frame claimed after the handshake with no size limit, then a flood", arguments: [BadInputSetup.pullOverTCP, .pullOverIPC])
    func hugeFrameAfterHandshake(_ setup: BadInputSetup) throws {
        try Self.expectBounded(setup) { scenario in
            let attacker = try scenario.attacker(afterHandshake: true)
            try attacker.send(Self.header(flags: 0x02, size: 1 << 62))
            let sent = Self.flood(attacker)
            scenario.expectDropped(attacker, .disconnected, code: .messageTooLarge, mentioning: ["could ever hold"])
            return sent
        }
    }

    @Test("a 2^62-byte command claimed after the handshake, then a flood", arguments: [BadInputSetup.pullOverTCP])
    func hugeCommandAfterHandshake(_ setup: BadInputSetup) throws {
        try Self.expectBounded(setup) { scenario in
            let attacker = try scenario.attacker(afterHandshake: true)
            try attacker.send(Self.header(flags: 0x06, size: 1 << 62))
            let sent = Self.flood(attacker)
            scenario.expectDropped(attacker, .disconnected, code: .messageTooLarge, mentioning: ["command", "1048576"])
            return sent
        }
    }

    @Test("an empty command during the handshake is refused at once", arguments: [BadInputSetup.pullOverTCP])
    func emptyCommand(_ setup: BadInputSetup) throws {
        // Before the fix, `04 00` was read as the start of an 8-byte size, and the READY after it as the rest of
        // that size: the connection waited for the handshake to time out.
        try BadInputScenario.attack(
            setup, sending: ZMTPWire.greeting() + [0x04, 0x00] + ZMTPWire.ready(socketType: setup.peerType.name),
            expect: .handshakeFailed, code: .handshakeFailed, mentioning: ["size of 0"]
        )
    }

    @Test("a READY naming Socket-Type twice is refused", arguments: [BadInputSetup.pullOverTCP])
    func duplicateSocketType(_ setup: BadInputSetup) throws {
        try BadInputScenario.attack(
            setup,
            sending: ZMTPWire.greeting() + ZMTPWire.ready(socketType: "PUSH", extra: [("Socket-Type", "PULL")]),
            expect: .handshakeFailed, code: .handshakeFailed, mentioning: ["READY", "repeats", "Socket-Type"]
        )
    }
}
