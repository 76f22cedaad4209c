import NIOCore
import VTXCore
import ZMTP

/// ZAP replies as a DEALER receives them, and what a server makes of them (``ZAPOutcome/judge``). A parsed reply
/// has one of the four status codes and reads back from its own ``ZAPReply/message``; only 200 admits, and an
/// admitted peer's properties are exactly the reply's metadata; a PLAIN server (which needs a handler) refuses
/// when there is none.
enum ZAPHarness {
    static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        let count = Int(input.byte() % 10)
        var frames: [Frame] = []
        for index in 0..<count {
            frames.append(Frame(index == count - 1 ? input.rest() : input.piece()))
        }
        let reply: ZAPReply
        do { reply = try ZAPReply(parsing: Message(frames)) } catch { return }
        require([200, 300, 400, 500].contains(reply.statusCode), "status \(reply.statusCode) accepted")
        let again = try? ZAPReply(parsing: reply.message)
        require(again == reply, "the reply's own message parses as \(String(describing: again))")
        switch ZAPOutcome.reply(reply).judge(mechanism: .plain, admitsWithoutHandler: false, peer: "the peer") {
        case .admitted(let userId, let properties):
            require(reply.admits, "status \(reply.statusCode) admitted")
            require(userId == (reply.userId.isEmpty ? nil : reply.userId), "the user id changed")
            var written = ByteBuffer()
            properties.write(to: &written)
            if properties.allSatisfy({ !$0.name.unicodeScalars.contains("\u{FFFD}") }) {
                require(Frame(written) == reply.metadata, "the properties differ from the reply's metadata")
            }
        case .refused(let step):
            require(!reply.admits || step.failure?.category == .authenticationFailed, "a 200 refused oddly")
            require(step.failure != nil, "refused without a failure")
        }
        if case .admitted = ZAPOutcome.noHandler.judge(mechanism: .plain, admitsWithoutHandler: false, peer: "p") {
            require(false, "PLAIN admitted without a handler")
        }
    }
}
