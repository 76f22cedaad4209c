import NIOCore

/// Reads a peer's ZMTP greeting from bytes arriving in any chunking, and decides as early as libzmq does.
///
/// The checks follow libzmq's staged exchange (`zmtp_engine.cpp`):
/// - after 10 bytes, the signature: byte 0 must be `FF` and bit 0 of byte 9 set. Otherwise the peer speaks the
///   unversioned ZMTP/1.0 (its first bytes are an identity frame), or it is not a ZeroMQ peer at all. When byte 0
///   is not `FF` this is decided after 2 bytes.
/// - after 11 bytes, the major version: below 3 is ZMTP/1.0 (0) or ZMTP/2.0 (1), which VTX refuses (it has no
///   downgrade);
/// - after 64 bytes, the mechanism, compared over all 20 bytes as libzmq does.
///
/// The padding (bytes 1–8) is not validated: libzmq puts its identity length there. The as-server byte is
/// recorded but means nothing to libzmq. Bytes after the greeting stay in the buffer for the ``FrameDecoder``.
public struct GreetingDecoder: Sendable {
    /// The mechanism our side uses; the peer must announce the same one.
    public let expectedMechanism: MechanismName
    private var received: [UInt8] = []
    private var greeting: Greeting?

    /// Makes a decoder for a connection whose local side uses `mechanism`.
    public init(expecting mechanism: MechanismName) {
        expectedMechanism = mechanism
        received.reserveCapacity(Greeting.size)
    }

    /// How many greeting bytes have been read so far (at most 64).
    public var bytesReceived: Int { received.count }

    /// Whether the 10-byte signature has arrived and is a ZMTP 3.x signature.
    public var hasValidSignature: Bool { received.count >= Greeting.signatureSize }

    /// The peer's major version once byte 10 has arrived and been accepted; `nil` before.
    public var peerMajorVersion: UInt8? {
        received.count > Greeting.majorVersionOffset ? received[Greeting.majorVersionOffset] : nil
    }

    /// Reads greeting bytes from `buffer`, consuming no more than the greeting.
    ///
    /// - Returns: the peer's greeting once all 64 bytes have arrived (and again, consuming nothing, on later calls);
    ///   `nil` while more are needed.
    /// - Throws: ``ZMTPError/Category/invalidSignature`` when the peer is not a ZMTP peer,
    ///   ``ZMTPError/Category/unsupportedVersion`` for a ZMTP/1.0 or ZMTP/2.0 peer, and
    ///   ``ZMTPError/Category/mechanismMismatch`` when the peer announces another mechanism.
    public mutating func decode(_ buffer: inout ByteBuffer) throws(ZMTPError) -> Greeting? {
        if let greeting { return greeting }
        let wanted = Greeting.size - received.count
        let count = min(wanted, buffer.readableBytes)
        guard count > 0 else { return nil }
        buffer.withUnsafeReadableBytes { bytes in
            received.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<count]))
        }
        buffer.moveReaderIndex(forwardBy: count)
        try checkSignature()
        try checkVersion()
        guard received.count == Greeting.size else { return nil }
        greeting = try makeGreeting()
        return greeting
    }

    private func checkSignature() throws(ZMTPError) {
        if received[0] != 0xFF {
            guard received.count >= 2 else { return }
            // A ZMTP/1.0 peer starts with its identity frame: a length byte (1...254, counting the flags byte)
            // and flags 0.
            if received[0] != 0, received[1] == 0 {
                throw versionError("ZMTP 1.0 (unversioned: its first frame is a \(received[0] - 1)-byte identity)")
            }
            throw signatureError()
        }
        guard received.count >= Greeting.signatureSize else { return }
        let last = received[Greeting.signatureSize - 1]
        if last & 0x01 == 0 {
            // `FF` and a 64-bit length, then flags 0: a ZMTP/1.0 identity frame of 255 bytes or more.
            if last == 0 { throw versionError("ZMTP 1.0 (unversioned: its first frame is a long identity)") }
            throw signatureError()
        }
    }

    private func checkVersion() throws(ZMTPError) {
        guard let major = peerMajorVersion, major < 3 else { return }
        switch major {
        case 0: throw versionError("ZMTP 1.0 (greeting revision 0)")
        case 1: throw versionError("ZMTP 2.0 (greeting revision 1)")
        default: throw versionError("ZMTP major version \(major), which no ZeroMQ release uses")
        }
    }

    private func makeGreeting() throws(ZMTPError) -> Greeting {
        let field = received[Greeting.mechanismOffset..<(Greeting.mechanismOffset + MechanismName.fieldSize)]
        guard field.elementsEqual(expectedMechanism.paddedBytes) else {
            let name = field.prefix { $0 != 0 }
            throw ZMTPError(
                .mechanismMismatch,
                "the peer uses the \(printableName(name)) security mechanism but this socket uses "
                    + "\(expectedMechanism)"
            )
        }
        return Greeting(
            mechanism: expectedMechanism,
            asServer: received[Greeting.asServerOffset] != 0,
            majorVersion: received[Greeting.majorVersionOffset],
            minorVersion: received[Greeting.minorVersionOffset]
        )
    }

    private func signatureError() -> ZMTPError {
        ZMTPError(.invalidSignature, "not a ZMTP peer (greeting starts with \(hexDescription(received, limit: 10)))")
    }

    private func versionError(_ version: String) -> ZMTPError {
        ZMTPError(.unsupportedVersion, "the peer speaks \(version); VTX speaks ZMTP 3.0 and later only")
    }
}
