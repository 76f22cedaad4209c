import NIOCore
import VTXCore

/// The data phase of a CURVE connection: every frame and command travels in a MESSAGE command boxed with the
/// session key (`crypto_box_easy_afternm`), as libzmq 4.3.4's `curve_encoding_t` does.
///
/// A MESSAGE is `07 'MESSAGE' | short nonce | box(flags || payload)`, sent in a ZMTP *data* frame (outer flags 0x00,
/// or 0x02 when long). The inner flags byte carries 0x01 (MORE) and 0x02 (COMMAND). Nonces strictly increase in
/// each direction; a repeated or lower nonce is a replay and ends the connection.
///
/// Encoding writes straight into the output buffer and encrypts there, in place: no allocation per frame.
package struct CurveSession: Sendable {
    /// The bytes before a MESSAGE's nonce: the name-length byte and the name.
    static let messageName: [UInt8] = [7] + Array("MESSAGE".utf8)
    /// The bytes a MESSAGE adds to its payload: name (8), nonce (8), tag (16) and the flags byte.
    package static let overhead = 33

    private static let innerMore: UInt8 = 0x01
    private static let innerCommand: UInt8 = 0x02

    private let sessionKey: SecretBytes
    private let sendPrefix: [UInt8]
    private let receivePrefix: [UInt8]
    /// The nonce the next MESSAGE we send carries.
    package private(set) var nextNonce: UInt64
    /// The nonce of the last box the peer sent (HELLO/INITIATE for a server, READY for a client).
    package private(set) var lastPeerNonce: UInt64
    /// The largest message accepted (the sum of its frames' payloads); `nil` for no limit.
    package var maxMessageSize: Int?

    private var pendingFrames: [Frame] = []
    private var pendingBytes = 0
    private var pendingMetadata: MessageMetadata?

    /// Makes the data phase of a connection whose handshake agreed on `sessionKey`.
    ///
    /// - Parameters:
    ///   - isServer: which side we are: it picks the nonce prefixes (`…MESSAGES` from the server, `…MESSAGEC` from
    ///     the client).
    ///   - nextNonce: our next short nonce (client: 3 after HELLO and INITIATE; server: 2 after READY).
    ///   - lastPeerNonce: the peer's last short nonce; its MESSAGEs must carry larger ones.
    package init(sessionKey: SecretBytes, isServer: Bool, nextNonce: UInt64, lastPeerNonce: UInt64, maxMessageSize: Int?) {
        self.sessionKey = sessionKey
        sendPrefix = isServer ? CurveNonce.messageFromServer : CurveNonce.messageFromClient
        receivePrefix = isServer ? CurveNonce.messageFromClient : CurveNonce.messageFromServer
        self.nextNonce = nextNonce
        self.lastPeerNonce = lastPeerNonce
        self.maxMessageSize = maxMessageSize
    }

    // MARK: Sending

    /// Appends one MESSAGE data frame per frame of `message`, with the inner MORE flag on all but the last.
    ///
    /// - Throws: ``ZMTPError/Category/invalidSequence`` when our nonces are exhausted (after 2^64 - 1 boxes);
    ///   ``ZMTPError/Category/cryptographic`` when libsodium refuses to encrypt.
    package mutating func encode(_ message: Message, into buffer: inout ByteBuffer) throws(ZMTPError) {
        let last = message.endIndex - 1
        guard last >= 0 else { return }
        var total = 0
        for frame in message {
            let size = frame.count + CurveSession.overhead
            total += FrameEncoder.headerSize(forBodySize: size) + size
        }
        buffer.reserveCapacity(minimumWritableBytes: total)
        for index in 0...last {
            let flags = index == last ? 0 : CurveSession.innerMore
            try message[index].withUnsafeBytes { (payload) throws(ZMTPError) in
                try seal(flags: flags, payload: payload, into: &buffer)
            }
        }
    }

    /// Appends one frame as a MESSAGE data frame, with the inner MORE flag when `more` is true (for an engine that
    /// sends a message frame by frame, and may send a command between two frames as libzmq can).
    ///
    /// - Throws: as ``encode(_:into:)-(Message,_)``.
    package mutating func encode(_ frame: Frame, more: Bool, into buffer: inout ByteBuffer) throws(ZMTPError) {
        try frame.withUnsafeBytes { (payload) throws(ZMTPError) in
            try seal(flags: more ? CurveSession.innerMore : 0, payload: payload, into: &buffer)
        }
    }

    /// Appends `command` (PING, PONG, SUBSCRIBE, CANCEL) boxed in a MESSAGE with the inner COMMAND flag.
    ///
    /// - Throws: as ``encode(_:into:)-(Message,_)``.
    package mutating func encode(_ command: Command, into buffer: inout ByteBuffer) throws(ZMTPError) {
        var body = ByteBuffer()
        body.reserveCapacity(command.bodySize)
        command.writeBody(to: &body)
        try body.withUnsafeReadableBytes { (payload) throws(ZMTPError) in
            try seal(flags: CurveSession.innerCommand, payload: payload, into: &buffer)
        }
    }

    /// Writes one MESSAGE frame: header, name, nonce, then flags and payload encrypted in place.
    private mutating func seal(
        flags: UInt8, payload: UnsafeRawBufferPointer, into buffer: inout ByteBuffer
    ) throws(ZMTPError) {
        guard nextNonce < UInt64.max else {
            throw ZMTPError(.invalidSequence, "the CURVE nonces of this connection are exhausted")
        }
        let nonce = nextNonce
        nextNonce += 1
        let bodySize = payload.count + CurveSession.overhead
        FrameEncoder.writeHeader(flags: [], bodySize: bodySize, to: &buffer)
        let sealed = withUnsafeTemporaryAllocation(byteCount: Sodium.nonceSize, alignment: 8) { nonceBytes in
            fillNonce(nonceBytes, prefix: sendPrefix, counter: nonce)
            return buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bodySize) { out -> Int in
                let base = out.baseAddress!
                CurveSession.messageName.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: 8) }
                (base + 8).storeBytes(of: nonce.bigEndian, as: UInt64.self)
                (base + 32).storeBytes(of: flags, as: UInt8.self)
                if let source = payload.baseAddress, payload.count > 0 {
                    (base + 33).copyMemory(from: source, byteCount: payload.count)
                }
                let ok = sessionKey.withUnsafeBytes { key in
                    Sodium.seal(inPlace: base + 16, length: payload.count + 1, nonce: UnsafeRawBufferPointer(nonceBytes), key: key)
                }
                // On failure nothing counts as written; the caller throws and the connection closes.
                return ok ? bodySize : 0
            }
        }
        guard sealed == bodySize else {
            throw ZMTPError(.cryptographic, "libsodium refused to encrypt a MESSAGE")
        }
    }

    // MARK: Receiving

    /// Opens a MESSAGE from the peer, as the ``FrameDecoder`` yields it: a one-frame data message (outer flags
    /// 0x00/0x02, as libzmq sends) or a command (outer flag 0x04, as some other implementations send).
    ///
    /// - Returns: the whole message once its last frame has arrived; a command (inner COMMAND flag), even between
    ///   the frames of a message; `nil` after a frame that is not the last.
    /// - Throws: ``ZMTPError/Category/malformedCommand`` (MESSAGE) for a body under 33 bytes or another name;
    ///   ``ZMTPError/Category/invalidSequence`` for a nonce not above the last one (a replay or reordering);
    ///   ``ZMTPError/Category/cryptographic`` when the box does not open (tampering);
    ///   ``ZMTPError/Category/messageTooLarge`` when the message outgrows ``maxMessageSize``;
    ///   ``ZMTPError/Category/unexpectedCommand`` for any other command, and for MESSAGEs sent with the outer MORE
    ///   flag (several ZMTP frames in one item).
    package mutating func decode(_ item: ZMTPItem) throws(ZMTPError) -> ZMTPItem? {
        switch item {
        case .message(let message):
            guard message.count == 1 else {
                throw ZMTPError(.unexpectedCommand, "a CURVE MESSAGE arrived with the MORE flag set outside the box")
            }
            pendingMetadata = message.metadata
            return try message[0].withUnsafeBytes { (body) throws(ZMTPError) in
                guard body.count >= 8, CurveSession.messageName.withUnsafeBytes({ memcmp8($0, body) }) else {
                    throw ZMTPError.malformed("MESSAGE", "a data frame after the CURVE handshake is not a MESSAGE")
                }
                return try open(UnsafeRawBufferPointer(rebasing: body[8...]))
            }
        case .command(.other(name: "MESSAGE", let data)):
            return try data.withUnsafeBytes { (body) throws(ZMTPError) in try open(body) }
        case .command(let command):
            throw ZMTPError(.unexpectedCommand, "a \(command.name) command arrived outside a MESSAGE after the "
                + "CURVE handshake")
        }
    }

    /// Opens a MESSAGE's bytes after its name: nonce, then the box.
    private mutating func open(_ data: UnsafeRawBufferPointer) throws(ZMTPError) -> ZMTPItem? {
        guard data.count + 8 >= CurveSession.overhead else {
            throw ZMTPError.malformed("MESSAGE", "a CURVE MESSAGE has at least \(CurveSession.overhead) bytes, "
                + "this one \(data.count + 8)")
        }
        var nonce: UInt64 = 0
        for index in 0..<8 { nonce = nonce << 8 | UInt64(data[index]) }
        guard nonce > lastPeerNonce else {
            throw ZMTPError(.invalidSequence, "a CURVE MESSAGE carries nonce \(nonce), not above the last one "
                + "(\(lastPeerNonce)): a replayed or reordered message")
        }
        let box = UnsafeRawBufferPointer(rebasing: data[8...])
        let payloadSize = box.count - Sodium.macSize - 1
        if let maxMessageSize, payloadSize > maxMessageSize - pendingBytes {
            throw ZMTPError(.messageTooLarge, "a CURVE message of more than \(maxMessageSize) bytes arrived")
        }
        var flags: UInt8 = 0
        let frame = try withUnsafeTemporaryAllocation(byteCount: 24, alignment: 8) { (nonceBytes) throws(ZMTPError) -> Frame in
            fillNonce(nonceBytes, prefix: receivePrefix, counter: nonce)
            return try openFrame(box, nonce: UnsafeRawBufferPointer(nonceBytes), flags: &flags)
        }
        lastPeerNonce = nonce
        if flags & CurveSession.innerCommand != 0 {
            var body = ByteBuffer()
            frame.withUnsafeBytes { _ = body.writeBytes($0) }
            return .command(try Command(parsing: body))
        }
        if flags & CurveSession.innerMore != 0 {
            pendingFrames.append(frame)
            pendingBytes += frame.count
            return nil
        }
        var message: Message
        if pendingFrames.isEmpty {
            message = Message(frame)
        } else {
            pendingFrames.append(frame)
            message = Message(pendingFrames)
            pendingFrames.removeAll(keepingCapacity: true)
            pendingBytes = 0
        }
        message.metadata = pendingMetadata
        return .message(message)
    }

    /// Decrypts `box` into a new frame (the payload) and `flags`; small payloads go through a temporary buffer so
    /// the frame is inline or carved from a slab, large ones are decrypted into a buffer the frame then keeps.
    private func openFrame(_ box: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, flags: inout UInt8) throws(ZMTPError) -> Frame {
        let plainSize = box.count - Sodium.macSize
        let opened: Frame?
        if plainSize <= 2048 {
            opened = withUnsafeTemporaryAllocation(byteCount: plainSize, alignment: 8) { plain -> Frame? in
                let ok = sessionKey.withUnsafeBytes { Sodium.open(box, into: plain, nonce: nonce, key: $0) }
                guard ok else { return nil }
                flags = plain[0]
                return Frame(copying: UnsafeRawBufferPointer(rebasing: plain[1...]))
            }
        } else {
            var buffer = ByteBufferAllocator().buffer(capacity: plainSize)
            let written = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: plainSize) { out -> Int in
                let ok = sessionKey.withUnsafeBytes {
                    Sodium.open(box, into: UnsafeMutableRawBufferPointer(rebasing: out[0..<plainSize]), nonce: nonce, key: $0)
                }
                return ok ? plainSize : 0
            }
            if written == plainSize, let first = buffer.readInteger(as: UInt8.self) {
                flags = first
                opened = Frame(buffer)
            } else {
                opened = nil
            }
        }
        guard let opened else {
            throw ZMTPError(.cryptographic, "a CURVE MESSAGE box does not open: it was tampered with or damaged")
        }
        return opened
    }

    private func fillNonce(_ nonce: UnsafeMutableRawBufferPointer, prefix: [UInt8], counter: UInt64) {
        prefix.withUnsafeBytes { nonce.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: 16) }
        (nonce.baseAddress! + 16).storeBytes(of: counter.bigEndian, as: UInt64.self)
    }
}

/// Whether the first 8 bytes of `body` equal the 8 bytes of `name`.
private func memcmp8(_ name: UnsafeRawBufferPointer, _ body: UnsafeRawBufferPointer) -> Bool {
    body.count >= 8 && name.count == 8 && (0..<8).allSatisfy { name[$0] == body[$0] }
}
