#if canImport(Glibc)
import Glibc

private let resourceAddressSpace = __rlimit_resource_t(RLIMIT_AS.rawValue)
private let rlimitInfinity = rlim_t.max
#elseif canImport(Darwin)
import Darwin

private let resourceAddressSpace = RLIMIT_AS
private let rlimitInfinity = RLIM_INFINITY
#endif
import NIOCore
import VTXCore

/// Turns ZMTP 3.x frames arriving in any chunking into whole messages and parsed commands.
///
/// Call ``next(_:)`` with each buffer read from the connection until it returns `nil`: every call yields at most
/// one item and allocates no collection, and the decoder consumes every byte it is given, keeping any partial frame
/// inside, so the caller never keeps or re-assembles leftovers. Data frames are gathered until a frame without
/// MORE ends the message; commands are yielded as soon as they arrive, even between the frames of a multipart
/// message (libzmq may slip a PING in there).
///
/// Bodies are never copied byte by byte: a small body (below ``sharingThreshold``) that arrives whole is copied once
/// into its frame (inline up to ``Frame/inlineCapacity`` bytes); a larger one shares the input buffer's storage; a
/// body split across reads is gathered into one buffer the frame then shares.
///
/// Sizes are never trusted: a header announcing more than ``maxMessageSize`` throws before any body byte is read
/// or any memory is reserved for it, and a body split across reads is gathered in a buffer that grows with the
/// bytes that really arrive. Commands have caps of their own whatever ``maxMessageSize`` says:
/// ``maxHandshakeCommandSize`` while data frames are refused (the handshake), ``maxCommandSize`` after. With no
/// ``maxMessageSize``, a frame (or multipart message) larger than this machine's memory
/// (``largestHoldableSize``) is refused at its header too, instead of being gathered until memory runs out.
///
/// After a throw the connection must be closed: every later call throws the same error.
///
/// Divergences from libzmq, which is more lenient: reserved flag bits and commands with MORE are protocol errors
/// here (libzmq ignores both, and never sends either), as are empty commands and commands above the caps. Tolerated
/// like libzmq: long sizes for small frames, and libzmq 4.3.4's command frames of 246–255-byte subscriptions that
/// have an 8-byte size without the LONG flag (flags `04`, size byte `00`; libzmq #4367), which are read as long
/// frames: such a size must be what libzmq 4.3.4 sends (256 to 265), and any other is refused as soon as one of
/// its bytes shows it, so `04 00` followed by anything else is an empty command, refused at once.
public struct FrameDecoder: Sendable {
    /// The largest message accepted, in bytes: the sum of a multipart message's frame bodies (libzmq's
    /// `ZMQ_MAXMSGSIZE`, which libzmq checks per frame only), and the largest command body; `nil` for no limit.
    public var maxMessageSize: Int?
    /// Whether data frames are allowed. Set it to `false` during the handshake so a data frame is refused as soon as
    /// its header arrives instead of being gathered; commands are always allowed.
    public var acceptsDataFrames: Bool
    /// Attached to every message yielded (the peer's properties once the handshake is done).
    public var metadata: MessageMetadata?
    /// Bodies at least this large that arrive whole in one buffer share that buffer's storage instead of being
    /// copied. Sharing keeps the whole input buffer alive as long as the frame, so small frames are copied.
    public var sharingThreshold: Int
    /// Allocates the buffers that gather bodies split across reads.
    public var allocator: ByteBufferAllocator
    /// Names of commands yielded as ``Command/other(name:data:)`` with their bodies unparsed (the mechanism's
    /// ``Mechanism/unparsedCommands``: CURVE's boxed READY).
    public var unparsedCommands: Set<String> = []

    /// The largest command accepted during the handshake, in bytes (the body, after the size): 64 KiB. The largest
    /// legal handshake command is a READY or INITIATE whose metadata carries the standard properties (`Socket-Type`,
    /// an `Identity` of at most 255 bytes) and the application's own (libzmq's `ZMQ_METADATA`); libzmq's own are
    /// under 600 bytes, CURVE's INITIATE adds 273. Until the handshake is done a connection holds no more than one
    /// such command, plus what a ZAP request waits on (``ZMTPHandshake``), whatever the peer sends.
    public static let maxHandshakeCommandSize = 64 * 1024

    /// The largest command accepted after the handshake, in bytes: 1 MiB, or ``maxMessageSize`` when smaller. The
    /// commands that follow the handshake are PING and PONG (at most 18 bytes of body with their context),
    /// SUBSCRIBE and CANCEL (whose topic counts: a subscription longer than this is refused, where libzmq has no
    /// limit but the maximum message size), and commands VTX ignores.
    public static let maxCommandSize = 1 << 20

    /// The most bytes a frame or message can have when no ``maxMessageSize`` is set: this machine's physical
    /// memory (or the process's address-space limit, when lower). A claim above it could never be held, so it is
    /// refused at the header, where libzmq fails to allocate it and resets the connection.
    public static let largestHoldableSize: Int = holdableMemory()

    @usableFromInline
    enum State: Sendable {
        case flags
        case size(flags: FrameFlags, isLong: Bool, remaining: Int, value: UInt64)
        case body(flags: FrameFlags, size: Int)
    }

    /// Bodies split across reads up to this size get a buffer of exactly their size at once; larger ones start
    /// with this much and grow as bytes arrive, so a lying header cannot make the decoder reserve memory.
    private static let trustedGatherSize = 1 << 20

    @usableFromInline var state = State.flags
    private var gathered: ByteBuffer?
    @usableFromInline var pending = Message()
    /// The body bytes of the frames in ``pending``, checked against ``maxMessageSize``.
    private var pendingBytes = 0
    @usableFromInline var failure: ZMTPError?

    /// Makes a decoder.
    ///
    /// - Parameters:
    ///   - maxMessageSize: the largest frame body accepted; `nil` for no limit.
    ///   - acceptsDataFrames: whether data frames are allowed (see ``acceptsDataFrames``).
    ///   - sharingThreshold: the body size from which frames share the input buffer (default 1 KiB).
    ///   - allocator: allocates the buffers that gather split bodies.
    public init(
        maxMessageSize: Int? = nil,
        acceptsDataFrames: Bool = true,
        sharingThreshold: Int = 1024,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) {
        self.maxMessageSize = maxMessageSize
        self.acceptsDataFrames = acceptsDataFrames
        self.sharingThreshold = max(sharingThreshold, Frame.inlineCapacity + 1)
        self.allocator = allocator
    }

    /// Whether a message or frame has begun but not ended: some frames of a multipart message, or part of a frame,
    /// have been read. At the end of the stream this means the peer stopped mid-message.
    public var hasPartialInput: Bool {
        if case .flags = state { return !pending.isEmpty }
        return true
    }

    /// Reads from `buffer` until one item is complete or the buffer is empty.
    ///
    /// - Returns: the next message or command, or `nil` when `buffer` has been consumed without completing one.
    ///   Call again with the same buffer while it returns items.
    /// - Throws: ``ZMTPError/Category/invalidFrame`` for reserved flag bits, a command with MORE or a size of 2^63
    ///   or more; ``ZMTPError/Category/messageTooLarge`` for a frame above ``maxMessageSize``;
    ///   ``ZMTPError/Category/unexpectedCommand`` for a data frame while ``acceptsDataFrames`` is false;
    ///   ``ZMTPError/Category/malformedCommand`` for a command body that breaks its grammar.
    public mutating func next(_ buffer: inout ByteBuffer) throws(ZMTPError) -> ZMTPItem? {
        if let failure { throw failure }
        do {
            return try step(&buffer)
        } catch {
            failure = error
            throw error
        }
    }

    /// The fast path for the common traffic: hands `deliver` every single-frame data message with a short body
    /// (below ``sharingThreshold`` and ``maxMessageSize``) at the front of `buffer`, decoded straight from the
    /// buffer's bytes with one access to them for the whole run, and stops at the first frame of any other kind
    /// (a command, a long or multipart frame, a frame split across reads), which ``next(_:)`` then decodes.
    ///
    /// `deliver` takes the message (moving it out) and returns `true`, or returns `false` when it cannot take more;
    /// the message it was given has been consumed from `buffer` either way, so a `false` result must keep it.
    /// Does nothing unless the decoder is between messages with data frames allowed and no error.
    ///
    /// - Returns: how many messages `deliver` was given.
    @inlinable
    public mutating func decodeShortMessages(
        from buffer: inout ByteBuffer,
        _ deliver: (inout Message) -> Bool
    ) -> Int {
        guard failure == nil, acceptsDataFrames, pending.isEmpty, case .flags = state else { return 0 }
        let largest = min(sharingThreshold - 1, 255, maxMessageSize ?? .max)
        let metadata = self.metadata
        var delivered = 0
        let consumed = buffer.withUnsafeReadableBytes { bytes -> Int in
            var offset = 0
            let end = bytes.count
            // One message value for the whole run, filled in place: a message built anew in each pass was
            // copied into its variable and destroyed through the value witnesses, twice a message.
            var message = Message()
            while end - offset >= 2 {
                let size = Int(bytes[offset + 1])
                guard bytes[offset] == 0, size <= largest, end - offset - 2 >= size else { break }
                // `deliver` normally moves the message out, leaving it empty; one that kept a copy did not.
                if !message.isEmpty { message = Message() }
                message.append(Frame(copying: UnsafeRawBufferPointer(rebasing: bytes[(offset + 2)..<(offset + 2 + size)])))
                message.metadata = metadata
                offset += 2 + size
                delivered += 1
                guard deliver(&message) else { break }
            }
            return offset
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        return delivered
    }

    /// Reads all of `buffer` and returns every item completed, in order. Convenient for tests; an engine should
    /// loop on ``next(_:)``, which allocates no array.
    ///
    /// - Throws: as ``next(_:)``.
    public mutating func decodeAll(_ buffer: inout ByteBuffer) throws(ZMTPError) -> [ZMTPItem] {
        var items: [ZMTPItem] = []
        while let item = try next(&buffer) {
            items.append(item)
        }
        return items
    }

    private mutating func step(_ buffer: inout ByteBuffer) throws(ZMTPError) -> ZMTPItem? {
        while true {
            switch state {
            case .flags:
                switch try shortDataFrame(&buffer) {
                case .item(let item): return item
                case .partOfMessage: continue
                case .notApplicable: break
                }
                guard let byte = buffer.readInteger(as: UInt8.self) else { return nil }
                let flags = try checkedFlags(byte)
                let isLong = flags.contains(.long)
                state = .size(flags: flags, isLong: isLong, remaining: isLong ? 8 : 1, value: 0)

            case .size(let flags, let isLong, let remaining, let value):
                guard let size = try readSize(flags: flags, isLong: isLong, remaining: remaining, value: value, &buffer)
                else { return nil }
                state = .body(flags: flags, size: size)

            case .body(let flags, let size):
                guard let body = takeBody(size: size, isCommand: flags.contains(.command), &buffer) else {
                    return nil
                }
                state = .flags
                if let item = try complete(flags: flags, body: body) { return item }
            }
        }
    }

    private enum ShortFrame {
        case item(ZMTPItem)
        case partOfMessage
        case notApplicable
    }

    /// The common case in one step: a short data frame (flags 0 or MORE) whose header and body are both in the
    /// buffer. Anything else (commands, long frames, split frames, errors) goes through the state machine.
    @inline(__always)
    private mutating func shortDataFrame(_ buffer: inout ByteBuffer) throws(ZMTPError) -> ShortFrame {
        guard acceptsDataFrames, let header = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) else {
            return .notApplicable
        }
        let flags = UInt8(truncatingIfNeeded: header >> 8)
        let size = Int(header & 0xFF)
        guard flags & ~FrameFlags.more.rawValue == 0, buffer.readableBytes >= 2 + size, size < sharingThreshold else {
            return .notApplicable
        }
        if let maxMessageSize, pendingBytes + size > maxMessageSize { return .notApplicable }
        let frame = buffer.withUnsafeReadableBytes { bytes in
            Frame(copying: UnsafeRawBufferPointer(rebasing: bytes[2..<(2 + size)]))
        }
        buffer.moveReaderIndex(forwardBy: 2 + size)
        if flags == 0 && pending.isEmpty {
            var message = Message(frame)
            message.metadata = metadata
            return .item(.message(message))
        }
        guard let item = try complete(flags: FrameFlags(rawValue: flags), body: .frame(frame)) else { return .partOfMessage }
        return .item(item)
    }

    private func checkedFlags(_ byte: UInt8) throws(ZMTPError) -> FrameFlags {
        let flags = FrameFlags(rawValue: byte)
        guard flags.isDisjoint(with: .reserved) else {
            throw ZMTPError(.invalidFrame, "a frame sets reserved flag bits (flags byte \(hexDescription([byte])))")
        }
        if flags.contains(.command) {
            guard !flags.contains(.more) else {
                throw ZMTPError(.invalidFrame, "a command frame has the MORE flag (flags byte \(hexDescription([byte])))")
            }
        } else if !acceptsDataFrames {
            throw ZMTPError(.unexpectedCommand, "a data frame arrived before the handshake completed")
        }
        return flags
    }

    /// Reads size bytes; returns the checked size once complete, or `nil` (with the progress saved) when the
    /// buffer ran out.
    private mutating func readSize(
        flags: FrameFlags,
        isLong: Bool,
        remaining: Int,
        value: UInt64,
        _ buffer: inout ByteBuffer
    ) throws(ZMTPError) -> Int? {
        var isLong = isLong
        var remaining = remaining
        var value = value
        if isLong, remaining == 8, let whole = buffer.readInteger(as: UInt64.self) {
            value = whole
            remaining = 0
        }
        let unflaggedLong = !flags.contains(.long) && flags.contains(.command)
        while remaining > 0 {
            guard let byte = buffer.readInteger(as: UInt8.self) else {
                state = .size(flags: flags, isLong: isLong, remaining: remaining, value: value)
                return nil
            }
            remaining -= 1
            if !isLong, byte == 0, flags.contains(.command) {
                // libzmq 4.3.4 (#4367): an 8-byte size without the LONG flag. A real command is never empty, so
                // this 0 is the first byte of a 64-bit size.
                isLong = true
                remaining = 7
            }
            value = value << 8 | UInt64(byte)
            if unflaggedLong, isLong, value > FrameDecoder.libzmq4367Sizes.upperBound >> (8 * remaining) {
                throw FrameDecoder.emptyCommand
            }
        }
        if unflaggedLong, isLong, !FrameDecoder.libzmq4367Sizes.contains(value) { throw FrameDecoder.emptyCommand }
        return try checkedSize(value, isCommand: flags.contains(.command))
    }

    /// The sizes of libzmq 4.3.4's subscriptions with an 8-byte size and no LONG flag (#4367): a 246–255-byte topic
    /// plus the command's name (`\u{9}SUBSCRIBE`, 10 bytes; `\u{6}CANCEL`, 7).
    private static let libzmq4367Sizes: ClosedRange<UInt64> = 253...265

    private static let emptyCommand = ZMTPError(
        .invalidFrame,
        "a command frame announces a size of 0 bytes (flags 04, size byte 00, and not libzmq 4.3.4's 8-byte size "
            + "of a long subscription)"
    )

    private func checkedSize(_ value: UInt64, isCommand: Bool) throws(ZMTPError) -> Int {
        guard value < UInt64(1) << 63, value <= UInt64(Int.max) else {
            throw ZMTPError(.invalidFrame, "a frame announces an impossible size of \(value) bytes")
        }
        let size = Int(value)
        if isCommand {
            let cap = acceptsDataFrames ? min(FrameDecoder.maxCommandSize, maxMessageSize ?? .max)
                : FrameDecoder.maxHandshakeCommandSize
            guard size > 0 else { throw ZMTPError(.invalidFrame, "a command frame announces a size of 0 bytes") }
            guard size <= cap else {
                throw ZMTPError(
                    .messageTooLarge,
                    "a \(size)-byte command exceeds the largest command accepted \(acceptsDataFrames ? "" : "during the handshake ")"
                        + "(\(cap) bytes)"
                )
            }
            return size
        }
        if maxMessageSize == nil {
            let total = pendingBytes &+ size
            if total > FrameDecoder.largestHoldableSize || total < 0 {
                throw ZMTPError(
                    .messageTooLarge,
                    "a \(pendingBytes == 0 ? "\(size)-byte frame" : "multipart message of \(total) bytes") is more than "
                        + "this machine could ever hold (\(FrameDecoder.largestHoldableSize) bytes of memory)"
                )
            }
        }
        if let maxMessageSize {
            // Data frames count toward their whole message, so a peer cannot grow a message without bound
            // through MORE frames (libzmq checks each frame alone).
            let total = pendingBytes &+ size
            if total > maxMessageSize || total < 0 {
                throw ZMTPError(
                    .messageTooLarge,
                    pendingBytes == 0
                        ? "a \(size)-byte frame exceeds the maximum message size of \(maxMessageSize) bytes"
                        : "a multipart message grows to \(total) bytes, past the maximum message size of "
                            + "\(maxMessageSize) bytes"
                )
            }
        }
        return size
    }

    /// Returns the body once all its bytes are in, as a buffer (commands) or frame (data); `nil` while more are
    /// needed, with the bytes so far gathered.
    private mutating func takeBody(size: Int, isCommand: Bool, _ buffer: inout ByteBuffer) -> Body? {
        if gathered == nil {
            if buffer.readableBytes >= size {
                return isCommand ? .buffer(buffer.readSlice(length: size)!) : .frame(wholeFrame(size: size, &buffer))
            }
            guard buffer.readableBytes > 0 else { return nil }
            gathered = allocator.buffer(capacity: min(size, max(buffer.readableBytes, FrameDecoder.trustedGatherSize)))
        }
        let wanted = size - gathered!.readableBytes
        var chunk = buffer.readSlice(length: min(wanted, buffer.readableBytes))!
        gathered!.writeBuffer(&chunk)
        guard gathered!.readableBytes == size else { return nil }
        let body = gathered!
        gathered = nil
        return isCommand ? .buffer(body) : .frame(Frame(body))
    }

    /// A frame of the next `size` bytes of `buffer`, all of which are readable.
    private func wholeFrame(size: Int, _ buffer: inout ByteBuffer) -> Frame {
        if size >= sharingThreshold {
            return Frame(buffer.readSlice(length: size)!)
        }
        let frame = buffer.withUnsafeReadableBytes { source in
            Frame(count: size) { target in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[..<size]))
            }
        }
        buffer.moveReaderIndex(forwardBy: size)
        return frame
    }

    private enum Body {
        case buffer(ByteBuffer)
        case frame(Frame)
    }

    /// Handles a complete frame; returns an item when it completes one.
    private mutating func complete(flags: FrameFlags, body: Body) throws(ZMTPError) -> ZMTPItem? {
        switch body {
        case .buffer(let bytes):
            return .command(try Command(parsing: bytes, unparsed: unparsedCommands))
        case .frame(let frame):
            pendingBytes += frame.count
            pending.append(frame)
            guard !flags.contains(.more) else { return nil }
            pendingBytes = 0
            var message = Message()
            swap(&message, &pending)
            message.metadata = metadata
            return .message(message)
        }
    }
}

/// This machine's physical memory, or the process's address-space limit when that is lower (see
/// ``FrameDecoder/largestHoldableSize``); `Int.max` when neither can be read.
private func holdableMemory() -> Int {
    var limit = Int.max
    let pages = sysconf(Int32(_SC_PHYS_PAGES))
    let pageSize = sysconf(Int32(_SC_PAGESIZE))
    if pages > 0, pageSize > 0 {
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        if !overflow { limit = bytes }
    }
    var addressSpace = rlimit()
    if getrlimit(resourceAddressSpace, &addressSpace) == 0, addressSpace.rlim_cur != rlimitInfinity,
        addressSpace.rlim_cur < rlim_t(limit)
    {
        limit = Int(addressSpace.rlim_cur)
    }
    return limit
}
