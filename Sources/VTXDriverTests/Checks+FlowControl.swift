import VTXCore

extension DriverConformance {
    /// The most 64 KiB messages ``Check/highWaterMark`` offers before deciding the driver buffers without
    /// bound (128 MiB: far beyond kernel buffers and high-water marks of 10).
    static let backPressureAttempts = 2000

    /// ``Check/highWaterMark``.
    func checkHighWaterMark(_ s: ConformanceSession) throws(ConformanceFailure) {
        let pull = try s.socket(.pull)
        let push = try s.socket(.push)
        pull.receiveHighWaterMark = 10
        push.sendHighWaterMark = 10
        try s.join(pull, [push])
        let payload = Frame([UInt8](repeating: 0x5A, count: 64 * 1024))
        func message(_ index: Int) -> Message {
            Message([Frame("\(index)"), payload])
        }
        // The PULL does not read. Offer messages until one is refused and the PUSH stays full for a moment.
        var accepted = 0
        let deadline = ContinuousClock.now + timeLimit / 2
        var settled = false
        while accepted < Self.backPressureAttempts && ContinuousClock.now < deadline {
            if try s.attempt("trySend to return true or false", { () throws(VTXError) in try push.trySend(message(accepted)) }) {
                accepted += 1
                continue
            }
            // Refused: the PUSH is full now. It should stay full, since nobody reads.
            if let error = s.error({ () throws(VTXError) in try push.send(message(accepted), timeout: .milliseconds(200)) }) {
                try s.expect(error.code == .timedOut, "a full PUSH's send to time out", "it threw \(error)")
                settled = true
                break
            }
            accepted += 1
        }
        try s.expect(
            settled,
            "a PUSH whose PULL does not read to refuse 64 KiB messages within \(Self.backPressureAttempts) messages",
            "it accepted \(accepted) (\(accepted / 16) MiB) and kept accepting")
        try s.expect(accepted > 0, "the PUSH to accept some messages before it is full", "it accepted none")
        // Drain: every accepted message arrives, in order, once.
        for index in 0..<accepted {
            let received = try s.receive(pull, "the PULL to receive accepted message \(index) of \(accepted)")
            try s.expect(
                received.count == 2 && received[0].string == "\(index)" && received[1] == payload,
                "accepted message \(index) of \(accepted), whole and in order",
                "got \(received.count) frames, the first \(received.first?.description ?? "none")")
        }
        try s.expectNothing(pull, within: .milliseconds(50), "nothing after the \(accepted) accepted messages (no duplicates)")
        // The PUSH has room again.
        try s.send(push, Message("after"), "after the PULL drained")
        try s.receive(pull, expecting: ["after"], "the PULL to receive a message sent after it drained")
    }

    /// The frame sizes ``Check/multipart`` draws from: empty, small, around the one-byte length limit, and large.
    static let multipartSizes = [0, 1, 7, 255, 256, 1000, 8192, 65_536, 65_537, 131_072]

    /// The bytes multipart frames are cut from: each frame starts at an offset that depends on the message and
    /// frame, so frames differ.
    static let multipartBytes: [UInt8] = (0..<(131_072 + 256)).map { UInt8(truncatingIfNeeded: $0 &* 7) }

    /// Message `index` of the multipart check in one direction: 1 to 9 frames, sizes from ``multipartSizes``
    /// (frames of 64 KiB and more in one message in ten), bytes that depend on the message and frame.
    static func multipartMessage(_ index: Int, direction: UInt8) -> Message {
        var state = UInt64(index) &* 6_364_136_223_846_793_005 &+ UInt64(direction) &+ 1_442_695_040_888_963_407
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        let frameCount = 1 + next() % 9
        let sizes = index % 10 == 0 ? multipartSizes : Array(multipartSizes.prefix(7))
        var frames: [Frame] = []
        var large = 0
        for frame in 0..<frameCount {
            var size = sizes[next() % sizes.count]
            if size >= 65_536 {
                large += 1
                if large > 2 { size = 3 }
            }
            let offset = (index &* 31 &+ frame &* 7 &+ Int(direction)) & 0xFF
            frames.append(Frame(multipartBytes[offset..<(offset + size)]))
        }
        return Message(frames)
    }

    /// ``Check/multipart``.
    func checkMultipart(_ s: ConformanceSession) throws(ConformanceFailure) {
        let a = try s.socket(.pair)
        let b = try s.socket(.pair)
        try s.join(a, [b])
        let count = 300
        for (sender, receiver, direction) in [(b, a, UInt8(1)), (a, b, UInt8(2))] {
            let way = direction == 1 ? "connecting to binding" : "binding to connecting"
            let messages = (0..<count).map { Self.multipartMessage($0, direction: direction) }
            for (index, message) in messages.enumerated() {
                try s.send(sender, message, "multipart message \(index), \(way)")
            }
            for (index, expected) in messages.enumerated() {
                let received = try s.receive(receiver, "multipart message \(index) of \(count), \(way)")
                try s.expect(
                    received == expected,
                    "message \(index) (\(way)) whole and in order: frames of \(expected.map(\.count)) bytes",
                    "got frames of \(received.map(\.count)) bytes\(received.count == expected.count ? " or other bytes" : "")")
            }
            try s.expectNothing(receiver, within: .milliseconds(20), "nothing after the \(count) messages, \(way)")
        }
    }
}
