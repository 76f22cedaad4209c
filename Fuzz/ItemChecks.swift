import NIOCore
import VTXCore
import ZMTP

/// Checks shared by the harnesses that decode ZMTP items.
enum ItemChecks {
    /// Whether `command` re-encodes to bytes that parse back to it: its strings were valid UTF-8 (the parser
    /// replaces invalid sequences, which can make them longer), an ERROR reason fits in 255 bytes, and an unknown
    /// name was printable (the parser shows other names in hex).
    static func isFaithful(_ command: Command) -> Bool {
        func clean(_ text: String) -> Bool { !text.unicodeScalars.contains("\u{FFFD}") }
        switch command {
        case .ready(let metadata):
            return metadata.allSatisfy { clean($0.name) && $0.name.utf8.count <= 255 }
        case .error(let reason), .libzmqPlainError(let reason):
            return clean(reason) && reason.utf8.count <= 255
        case .other(let name, _):
            return clean(name) && !name.hasPrefix("<")
        case .subscribe, .cancel, .ping, .pong:
            return true
        }
    }

    /// The bytes of data and command bodies in `items`: never more than the input held. Commands that are not
    /// ``isFaithful(_:)`` count nothing: their strings grew when invalid UTF-8 was replaced.
    static func payloadBytes(_ items: [ZMTPItem]) -> Int {
        items.reduce(0) { total, item in
            switch item {
            case .message(let message): total + message.byteCount
            case .command(let command) where isFaithful(command):
                total + max(0, command.bodySize - 1 - command.name.utf8.count)
            case .command: total
            }
        }
    }

    /// Encodes `items` as a peer would send them and decodes them again: the same items come back.
    static func requireRoundTrip(_ items: [ZMTPItem]) {
        let faithful = items.filter {
            if case .command(let command) = $0 { return isFaithful(command) }
            return true
        }
        var wire = ByteBuffer()
        for item in faithful {
            switch item {
            case .message(let message): FrameEncoder.encode(message, into: &wire)
            case .command(let command): FrameEncoder.encode(command, into: &wire)
            }
        }
        var decoder = FrameDecoder()
        do {
            let again = try decoder.decodeAll(&wire)
            require(again == faithful, "re-encoded items decode as \(again), not \(faithful)")
            require(!decoder.hasPartialInput && wire.readableBytes == 0, "re-encoded items leave bytes over")
        } catch {
            require(false, "re-encoded items do not decode: \(error)")
        }
    }
}
