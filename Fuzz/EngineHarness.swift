import NIOCore
import VTXCore
import ZMTP

/// The opening of a connection as an engine runs it, without sockets: a ``ZMTPHandshake`` with one of the
/// mechanisms (NULL, NULL with ZAP, PLAIN and CURVE on either side) reads a byte stream in socket-like chunks,
/// answering any ZAP request with an outcome from the input, then its decoder (and the mechanism's decoding) takes
/// the rest. What must hold: every command it asks to send encodes; it completes only with a peer, and a PLAIN or
/// CURVE server only after its ZAP handler admitted the client (or, for CURVE, there was none); after completion no
/// message exceeds the maximum size; it never goes on after a failure.
enum EngineHarness {
    static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        let selector = input.byte()
        let socketType = SocketType.allCases[Int(input.byte()) % SocketType.allCases.count]
        let zap = input.byte()
        let seed = input.byte()
        let limitByte = input.byte()
        let maxMessageSize = limitByte == 0 ? nil : Int(limitByte) * 64
        let wire = input.rest()
        var handshake = ZMTPHandshake(mechanism: Peers.mechanism(selector, socketType: socketType), maxMessageSize: maxMessageSize)
        var admitted = false
        var asked = false
        var offset = 0
        var after: ByteBuffer?
        for size in chunkSizes(count: wire.count, seed: seed) {
            var buffer = ByteBuffer(bytes: wire[offset..<(offset + size)])
            offset += size
            if var rest = after {
                rest.writeBuffer(&buffer)
                after = rest
                continue
            }
            guard var output = try? handshake.receive(&buffer) else { return }
            while let request = output.authenticate {
                require(!asked, "asked ZAP twice")
                require(request.credentials.count <= 2, "ZAP credentials \(request.credentials.count)")
                asked = true
                let outcome = Peers.zapOutcome(zap &+ UInt8(truncatingIfNeeded: offset))
                if case .reply(let reply) = outcome, reply.admits { admitted = true }
                if case .noHandler = outcome, handshake.mechanism.name == .curve { admitted = true }
                requireEncodable(output.commands)
                guard let resumed = try? handshake.resume(with: outcome) else { return }
                output = resumed
            }
            requireEncodable(output.commands)
            if output.failure != nil { return }
            if handshake.isComplete {
                require(handshake.mechanism.peer != nil, "complete without a peer")
                if handshake.mechanism.isServer, handshake.mechanism.name != .null {
                    require(admitted, "a \(handshake.mechanism.name) server completed without ZAP admitting the client")
                }
                var rest = handshake.takeLeftover() ?? ByteBuffer()
                rest.writeBuffer(&buffer)
                after = rest
            }
        }
        guard var rest = after else { return }
        var decoder = handshake.decoder
        var mechanism = handshake.mechanism
        do {
            while let item = try decoder.next(&rest) {
                guard let meant = try mechanism.decode(item) else { continue }
                if case .message(let message) = meant, let maxMessageSize {
                    require(message.byteCount <= maxMessageSize, "a \(message.byteCount)-byte message past the limit")
                }
            }
        } catch {
            return
        }
    }

    private static func requireEncodable(_ commands: [Command]) {
        for command in commands {
            var buffer = ByteBuffer()
            FrameEncoder.encode(command, into: &buffer)
            require(buffer.readableBytes >= command.bodySize + 2, "\(command.name) encodes short")
        }
    }
}
