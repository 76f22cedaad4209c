import VTX

/// How `vtx cat` turns input lines into messages and messages into output: with a delimiter, a line is split into
/// frames on it and a message's frames are joined by it; without one, a line is one frame and a message prints
/// one frame per line. Bytes pass unchanged either way.
struct FrameFormat {
    /// The delimiter's bytes, or `nil` for one frame per line.
    let delimiter: [UInt8]?

    /// A format splitting and joining on `delimiter`, or one frame per line for `nil`.
    init(delimiter: String?) {
        self.delimiter = delimiter.map { Array($0.utf8) }
    }

    /// The message one input line stands for.
    func message(fromLine line: [UInt8]) -> Message {
        guard let delimiter, !delimiter.isEmpty else { return Message(Frame(line)) }
        var frames: [Frame] = []
        var frameStart = 0
        var index = 0
        while index + delimiter.count <= line.count {
            if line[index..<index + delimiter.count].elementsEqual(delimiter) {
                frames.append(Frame(line[frameStart..<index]))
                index += delimiter.count
                frameStart = index
            } else {
                index += 1
            }
        }
        frames.append(Frame(line[frameStart...]))
        return Message(frames)
    }

    /// Writes `message` as one line (frames joined by the delimiter, or by newlines without one).
    func write(_ message: Message, to output: MessageOutput) {
        for (index, frame) in message.enumerated() {
            if index > 0 { output.append(delimiter ?? [0x0A]) }
            frame.withUnsafeBytes { output.append($0) }
        }
        output.append(CollectionOfOne(0x0A))
    }
}
