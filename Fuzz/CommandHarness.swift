import NIOCore
import VTXCore
import ZMTP

/// Command bodies, metadata and the peer properties built from them. A parsed command (other than ERROR, whose
/// trailing bytes are ignored) writes back exactly the bytes it came from; parsed metadata writes back exactly its
/// bytes; properties validated for a socket always name a compatible type; a PONG answering a PING keeps at most
/// 16 context bytes.
enum CommandHarness {
    static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        let mode = input.byte()
        let localType = SocketType.allCases[Int(input.byte()) % SocketType.allCases.count]
        let body = input.rest()
        let buffer = ByteBuffer(bytes: body)
        switch mode % 3 {
        case 0:
            checkCommand(body, buffer, unparsed: [])
        case 1:
            checkCommand(body, buffer, unparsed: ["READY"])
        default:
            checkMetadata(body, buffer, localType: localType)
        }
    }

    private static func checkCommand(_ body: [UInt8], _ buffer: ByteBuffer, unparsed: Set<String>) {
        let command: Command
        do { command = try Command(parsing: buffer, unparsed: unparsed) } catch { return }
        var written = ByteBuffer()
        command.writeBody(to: &written)
        if ItemChecks.isFaithful(command) {
            let again = try? Command(parsing: written, unparsed: unparsed)
            require(again == command, "\(command) writes bytes that parse as \(String(describing: again))")
            switch command {
            case .error, .libzmqPlainError:
                require(command.bodySize <= body.count + 1, "an ERROR larger than its input")
            default:
                require(Array(written.readableBytesView) == body, "\(command) does not write back its bytes")
            }
        }
        switch command {
        case .ping(_, let context):
            if case .pong(let answer) = Command.pong(answering: context) {
                require(answer.count == min(context.count, Command.maxPingContextSize), "a PONG context of \(answer.count)")
            }
            _ = command.pingTimeToLive
        case .ready(let metadata):
            require(!unparsed.contains("READY"), "READY parsed although it is to stay unparsed")
            _ = try? PeerProperties(validating: metadata, for: .dealer)
        case .other(let name, _):
            require(!name.isEmpty, "a command with an empty name")
        default:
            break
        }
    }

    private static func checkMetadata(_ body: [UInt8], _ buffer: ByteBuffer, localType: SocketType) {
        let metadata: Metadata
        do { metadata = try Metadata(parsing: buffer, command: "READY") } catch { return }
        if metadata.allSatisfy({ !$0.name.unicodeScalars.contains("\u{FFFD}") }) {
            require(metadata.encodedSize == body.count, "metadata of \(metadata.encodedSize) bytes from \(body.count)")
            var written = ByteBuffer()
            metadata.write(to: &written)
            require(Array(written.readableBytesView) == body, "metadata does not write back its bytes")
        }
        guard let peer = try? PeerProperties(validating: metadata, for: localType) else { return }
        require(localType.isCompatible(with: peer.socketType), "\(localType) accepted a \(peer.socketType) peer")
        require(peer.routingId.map { !$0.isEmpty } ?? true, "an empty routing id")
        require(peer.metadata == metadata, "the properties lost metadata")
        _ = peer.otherProperties
        _ = peer.peerInfo(address: "tcp://127.0.0.1:1")
    }
}
