import Testing

@testable import VTXCore

/// `Message` keeps its first two frames in the value and only the rest in an array (issue 15 item 1: a REQ/REP round
/// trip builds no frame array). These check that layout, and that every operation still behaves as an array of
/// frames would, across the boundary between the inline frames and the array.
@Suite("MessageLayoutTests", .timeLimit(.minutes(1)))
struct MessageLayoutTests {
    @Test func requestReplyShapesBuildNoArray() {
        // REQ: a body, then the empty delimiter prepended.
        var request = Message("hello")
        request.prepend(Frame())
        #expect(request.count == 2)
        #expect(request.rest.capacity == 0)

        // The decoder: a delimiter, then a body appended to an empty message.
        var decoded = Message()
        decoded.append(Frame())
        decoded.append(Frame("hello"))
        #expect(decoded.rest.capacity == 0)
        #expect(decoded == request)

        // REP: the envelope split off, then the reply appended to it.
        var envelope = decoded.removeFirst(1)
        #expect(decoded == Message("hello"))
        envelope.append(Frame("world"))
        #expect(envelope.rest.capacity == 0)
        #expect(envelope.map { $0.count } == [0, 5])

        // A ROUTER's routing id and body.
        var routed = Message(Frame("body"))
        routed.prepend(Frame("id"))
        #expect(routed.rest.capacity == 0)
        #expect(routed.byteCount == 6)
    }

    /// Every operation, from every size 0 to 5, against an array of frames as the model.
    @Test(arguments: 0...5)
    func operationsMatchAnArrayModel(size: Int) {
        let frames = (0..<size).map { Frame("f\($0)") }
        let extra = Frame("extra")
        let message = Message(frames)
        #expect(message.frames == frames)
        #expect(Array(message) == frames)
        #expect(message.count == size)
        #expect(message.isEmpty == frames.isEmpty)
        #expect(message.byteCount == frames.reduce(0) { $0 + $1.count })

        var appended = message
        appended.append(extra)
        #expect(appended.frames == frames + [extra])

        var prepended = message
        prepended.prepend(extra)
        #expect(prepended.frames == [extra] + frames)

        var popped = message
        #expect(popped.popFirst() == frames.first)
        #expect(popped.frames == Array(frames.dropFirst()))

        for k in 0...size {
            var whole = message
            let prefix = whole.removeFirst(k)
            #expect(prefix.frames == Array(frames.prefix(k)))
            #expect(whole.frames == Array(frames.dropFirst(k)))
        }

        for index in 0..<size {
            var changed = message
            changed[index] = extra
            var model = frames
            model[index] = extra
            #expect(changed.frames == model)
            #expect(changed[index] == extra)
            #expect(changed != message)
        }

        var rebuilt = Message()
        for frame in frames { rebuilt.append(frame) }
        #expect(rebuilt == message)
        var reversedBuild = Message()
        for frame in frames.reversed() { reversedBuild.prepend(frame) }
        #expect(reversedBuild == message)
    }
}
