import Testing
import VTX
import VTXTestSupport

/// `Socket.send` holds the message it sends in the socket's own slot, where the empty message a pattern leaves
/// behind is not destroyed (issue 15). These check that the slot keeps nothing: a message sent is handed over
/// whole, and one that was refused, or that no peer could take, is freed there. Each message carries metadata
/// (a class) that the test watches.
@Suite("Send ownership", .timeLimit(.minutes(1)))
struct SendOwnershipTests {
    let vtx = VTX()

    private static func watched(_ message: Message, _ label: String) -> (Message, Weak) {
        var message = message
        let metadata = MessageMetadata([(name: "X-Label", value: label)])
        message.metadata = metadata
        return (message, Weak(metadata))
    }

    @Test func aSendHandsTheMessageOverOrFreesIt() throws {
        let push = try makeSocket(vtx, .push)
        let pull = try makeSocket(vtx, .pull)
        defer {
            push.close()
            pull.close()
        }
        var unsent: Weak?
        var refused: Weak?
        do {
            let (message, weak) = Self.watched(Message([Frame("a"), Frame("b"), Frame("c")]), "unsent")
            unsent = weak
            #expect(throws: VTXError.wouldBlock) { try push.send(message, timeout: .zero) }
            let (empty, emptyWeak) = Self.watched(Message(), "refused")
            refused = emptyWeak
            let error = #expect(throws: VTXError.self) { try push.send(empty, timeout: .zero) }
            #expect(error?.code == .invalidArgument, "a message needs a frame")
        }
        #expect(unsent?.object == nil, "a message no peer could take is freed")
        #expect(refused?.object == nil, "a refused message is freed")

        let endpoint = uniqueEndpoint()
        try pull.bind(endpoint)
        try push.connect(endpoint)
        var sent: Weak?
        var inline: Weak?
        do {
            let (message, weak) = Self.watched(Message([Frame("head"), Frame(String(repeating: "x", count: 3000))]), "sent")
            sent = weak
            try push.send(message, timeout: .seconds(10))
            let (short, shortWeak) = Self.watched(Message("inline"), "inline")
            inline = shortWeak
            try push.send(short, timeout: .seconds(10))
        }
        do {
            let first = try pull.receive(timeout: .seconds(10))
            #expect(first.count == 2 && first[0] == Frame("head") && first[1].count == 3000)
            #expect(try pull.receive(timeout: .seconds(10)) == Message("inline"))
        }
        #expect(sent?.object == nil, "freed once received and dropped: the socket kept no reference to it")
        #expect(inline?.object == nil, "the same for a message of one inline frame")
    }
}
