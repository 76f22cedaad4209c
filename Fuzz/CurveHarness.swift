import NIOCore
import VTXCore
import ZMTP

/// CURVE's server and client mechanisms (fixed transcript keys and randomness, ``Peers``) fed commands:
/// - modes 0 and 1: the server or the client takes each piece of the input as a command body (the seed corpus
///   holds the transcript's HELLO, WELCOME, INITIATE, READY and MESSAGEs), answering ZAP from the input; after
///   completion the pieces go through `decode`;
/// - mode 2: an honest client and server complete the handshake in memory, then each piece either crosses as a
///   MESSAGE the sender really boxed, with bytes of the frame changed by the input, or as raw bytes.
/// What must hold: a box changed in any byte never opens and a MESSAGE is never accepted twice (replay); an
/// unchanged one gives back exactly what was sent; the server completes only after ZAP admitted the client's key
/// (or there is no handler); a complete side has a peer.
enum CurveHarness {
    static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        switch input.byte() % 3 {
        case 0: drive(Peers.curveServer(maxMessageSize: 4096), &input, zap: input.byte())
        case 1: drive(Peers.curveClient(maxMessageSize: 4096), &input, zap: input.byte())
        default: session(&input)
        }
    }

    private static func drive(_ mechanism: some Mechanism, _ input: inout FuzzInput, zap: UInt8) {
        var mechanism = mechanism
        guard (try? mechanism.start()) != nil else { return }
        var admitted = false
        while !input.isEmpty {
            let body = ByteBuffer(bytes: input.piece(wide: true))
            guard let command = try? Command(parsing: body, unparsed: mechanism.unparsedCommands) else { continue }
            if mechanism.isComplete {
                guard (try? mechanism.decode(.command(command))) != nil else { return }
                continue
            }
            guard var step = try? mechanism.process(.command(command)) else { return }
            if let request = step.authenticate {
                require(mechanism.isServer && request.credentials.count == 1 && request.credentials[0].count == 32,
                        "a CURVE ZAP request without the client's key")
                let outcome = Peers.zapOutcome(zap)
                switch outcome {
                case .reply(let reply): admitted = reply.admits
                case .noHandler: admitted = true
                case .invalid: admitted = false
                }
                guard let resumed = try? mechanism.resume(with: outcome) else { return }
                step = resumed
            }
            if step.failure != nil { return }
            if mechanism.isComplete {
                require(mechanism.peer != nil, "complete without a peer")
                require(!mechanism.isServer || admitted, "the server completed without ZAP admitting the client")
            }
        }
    }

    private static func session(_ input: inout FuzzInput) {
        var client = Peers.curveClient(maxMessageSize: 4096)
        var server = Peers.curveServer(maxMessageSize: 4096)
        guard handshake(&client, &server) else {
            require(false, "the honest CURVE handshake failed")
            return
        }
        while !input.isEmpty {
            let control = input.byte()
            let payload = input.piece()
            let toServer = control & 1 == 0
            var wire = ByteBuffer()
            let sent = Message(payload)
            if toServer {
                guard (try? client.encode(sent, into: &wire)) != nil else { return }
            } else {
                guard (try? server.encode(sent, into: &wire)) != nil else { return }
            }
            let pristine = wire
            var changed = false
            if control & 2 != 0, wire.readableBytes > 0 {
                let position = Int(input.uint16()) % wire.readableBytes
                let mask = input.byte()
                let byte = wire.getInteger(at: wire.readerIndex + position, as: UInt8.self) ?? 0
                wire.setInteger(byte ^ mask, at: wire.readerIndex + position)
                changed = mask != 0
            }
            let received = toServer ? deliver(wire, to: &server) : deliver(wire, to: &client)
            if changed {
                // A changed header can only make a different frame; a changed body must never open.
                require(received != .message(sent) || headerChanged(pristine, wire), "a changed MESSAGE opened")
                return
            }
            require(received == .message(sent), "an honest MESSAGE came back as \(received)")
            if control & 4 != 0 {
                let replay = toServer ? deliver(pristine, to: &server) : deliver(pristine, to: &client)
                require(replay == .failed, "a replayed MESSAGE was accepted: \(replay)")
                return
            }
        }
    }

    private enum Received: Equatable {
        case message(Message)
        case other
        case failed
    }

    /// Decodes `wire` as `mechanism`'s peer's traffic: the first message or command it yields.
    private static func deliver(_ wire: ByteBuffer, to mechanism: inout some Mechanism) -> Received {
        var wire = wire
        var decoder = FrameDecoder(maxMessageSize: 8192)
        decoder.unparsedCommands = mechanism.unparsedCommands
        do {
            while let item = try decoder.next(&wire) {
                guard let meant = try mechanism.decode(item) else { continue }
                if case .message(let message) = meant { return .message(message) }
                return .other
            }
            return .other
        } catch {
            return .failed
        }
    }

    /// Whether the change was in the frame header (flags and size), which libzmq does not authenticate either.
    private static func headerChanged(_ pristine: ByteBuffer, _ changed: ByteBuffer) -> Bool {
        let headerSize = pristine.getInteger(at: pristine.readerIndex, as: UInt8.self).map { $0 & 2 != 0 ? 9 : 2 } ?? 2
        return pristine.getSlice(at: pristine.readerIndex, length: headerSize)
            != changed.getSlice(at: changed.readerIndex, length: headerSize)
    }

    /// The transcript's handshake between `client` and `server`, in memory.
    private static func handshake(_ client: inout CurveClientMechanism, _ server: inout CurveServerMechanism) -> Bool {
        do {
            var toServer = try client.start().commands
            while !(client.isComplete && server.isComplete) {
                var toClient: [Command] = []
                for command in toServer {
                    var step = try server.process(.command(reparse(command, server.unparsedCommands)))
                    if step.authenticate != nil { step = try server.resume(with: .noHandler) }
                    toClient += step.commands
                }
                toServer = []
                for command in toClient {
                    toServer += try client.process(.command(reparse(command, client.unparsedCommands))).commands
                }
                if toServer.isEmpty && toClient.isEmpty { break }
            }
            return client.isComplete && server.isComplete
        } catch {
            return false
        }
    }

    /// A command as the peer's decoder yields it.
    private static func reparse(_ command: Command, _ unparsed: Set<String>) throws(ZMTPError) -> Command {
        var body = ByteBuffer()
        command.writeBody(to: &body)
        return try Command(parsing: body, unparsed: unparsed)
    }
}
