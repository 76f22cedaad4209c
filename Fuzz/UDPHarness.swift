import NIOCore
import VTXCore
@testable import VTXUDP

/// The UDP driver's datagram parsing (`docs/udp-protocol.md`), as a connection sees a sequence of datagrams: the
/// header, OPEN/OPEN-OK bodies, REJECT and CLOSE bodies, DATA into the reliable receiver (window 16) or the
/// best-effort one and then the message unpacker (limit 4 KiB), ACK bitmaps into a reliable sender holding 8
/// payloads. What must hold: a header and an OPEN body that parse write back the same bytes; the receiver never
/// holds more than its window; no message exceeds the limit or holds more bytes than arrived; an acknowledgement
/// never acknowledges more than was sent.
enum UDPHarness {
    static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        var receiver = ReliableReceiver(initialSequence: input.uint32(), window: 16)
        var bestEffort = BestEffortReceiver()
        var reliableIn = MessageUnpacker(limit: 4096)
        var bestEffortIn = MessageUnpacker(limit: 4096)
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var sender = ReliableSender(
            initialSequence: input.uint32(), window: 16, minimumTimeout: .milliseconds(10), maximumTimeout: .seconds(1))
        for index in 0..<8 {
            _ = sender.record(ByteBuffer(bytes: [UInt8(index)]), boundary: true, at: start)
        }
        var delivered = 0
        var arrived = 0
        var now = start
        while !input.isEmpty {
            let datagram = input.piece(wide: true)
            now = now + .milliseconds(Int64(datagram.count))
            var body = ByteBuffer(bytes: datagram)
            guard case .success(let header) = UDPHeader.read(from: &body) else { continue }
            var written = ByteBuffer()
            header.write(to: &written)
            require(Array(written.readableBytesView) == Array(datagram.prefix(UDPHeader.size)), "the header writes back other bytes")
            _ = SocketType(wireNumber: header.socketType)
            if header.flags.contains(.ack) {
                acknowledge(header, body: header.command == .ack ? body : nil, &sender, at: now)
            }
            switch header.command {
            case .open, .openOK:
                let bodyBytes = Array(body.readableBytesView)
                guard let hello = UDPHandshake.read(from: &body) else { continue }
                var again = ByteBuffer()
                hello.write(to: &again)
                require(Array(again.readableBytesView) == Array(bodyBytes.prefix(again.readableBytes)), "OPEN writes back other bytes")
                _ = hello.heartbeatLimit
            case .reject:
                _ = body.readInteger(as: UInt8.self).flatMap(UDPRejection.init(rawValue:))
                _ = body.readString(length: body.readableBytes)
            case .close:
                _ = body.readString(length: body.readableBytes)
            case .data where header.flags.contains(.bestEffort):
                switch bestEffort.receive(sequence: header.sequence, boundary: header.flags.contains(.boundary)) {
                case .drop: continue
                case .resynchronise: bestEffortIn.reset()
                case .deliver: break
                }
                arrived += body.readableBytes
                guard unpack(body, &bestEffortIn, delivered: &delivered) else { return }
            case .data:
                _ = receiver.receive(body, sequence: header.sequence, boundary: header.flags.contains(.boundary))
                require(receiver.held <= receiver.window, "the receiver holds \(receiver.held)")
                _ = receiver.bitmap()
                while let payload = receiver.take() {
                    arrived += payload.readableBytes
                    guard unpack(payload, &reliableIn, delivered: &delivered) else { return }
                }
            case .ack, .heartbeat:
                break
            }
            require(delivered <= arrived, "messages hold \(delivered) bytes of \(arrived) that arrived")
        }
    }

    /// Feeds a payload to `unpacker` and takes every whole message; `false` once it fails (the connection ends).
    private static func unpack(_ payload: ByteBuffer, _ unpacker: inout MessageUnpacker, delivered: inout Int) -> Bool {
        unpacker.feed(payload)
        do {
            while let message = try unpacker.next() {
                require(message.byteCount <= unpacker.limit, "a \(message.byteCount)-byte message past the limit")
                delivered += message.byteCount
            }
            return true
        } catch {
            return false
        }
    }

    /// An ACK as a connection applies it: a 16-bit bitmap length, then the bitmap.
    private static func acknowledge(_ header: UDPHeader, body: ByteBuffer?, _ sender: inout ReliableSender, at now: NIODeadline) {
        var bitmap: ByteBuffer?
        if var body, body.readableBytes >= 2, let length = body.readInteger(as: UInt16.self) {
            bitmap = body.readSlice(length: min(Int(length), body.readableBytes))
        }
        let outstanding = sender.entries.count
        guard let result = sender.acknowledge(cumulative: header.ack, bitmap: bitmap, window: Int(header.window), at: now)
        else { return }
        require(result.acknowledged <= outstanding, "acknowledged \(result.acknowledged) of \(outstanding)")
        for sequence in result.fastRetransmit {
            let offset = Sequence.distance(from: sender.base, to: sequence)
            require(offset >= 0 && offset < sender.entries.count, "a retransmission outside what is held")
            sender.markResent(offset: offset, at: now)
        }
        _ = sender.takeDue(at: now + .seconds(2))
        _ = sender.timeout
    }
}
