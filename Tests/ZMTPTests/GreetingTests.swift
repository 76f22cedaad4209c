import NIOCore
import Testing
import VTXCore
import ZMTP

@Suite("Greeting", .timeLimit(.minutes(1)))
struct GreetingTests {
    /// Our NULL greeting. Layout from RFC 23 §"Greeting" (signature FF, 8 padding bytes, 7F; version 3.1; 20-byte
    /// NUL-padded mechanism; as-server; 31 filler bytes), padding `00…01` as recommended in
    /// reference/zmtp-security.md §1, and bytes 10… as libzmq 4.3.5 sends them in zmtp-probe P1
    /// (`03`, then `01 4e 55 4c 4c 00 …`: minor 1, "NULL", zeros).
    @Test func ourGreetingBytes() {
        let expected =
            hex("ff 00 00 00 00 00 00 00 01 7f")  // signature, padding 00…01
            + hex("03 01")  // version 3.1
            + ascii("NULL") + [UInt8](repeating: 0, count: 16)  // mechanism, NUL-padded to 20
            + [0x00]  // as-server
            + [UInt8](repeating: 0, count: 31)  // filler
        let greeting = Greeting(mechanism: .null)
        #expect(greeting.bytes == expected)
        #expect(greeting.bytes.count == 64)
        #expect(NullMechanism(socketType: .dealer).greeting == greeting)
    }

    @Test func asServerByteAndMechanismName() {
        let bytes = Greeting(mechanism: .curve, asServer: true).bytes
        #expect(Array(bytes[12..<17]) == ascii("CURVE"))
        #expect(bytes[32] == 1)
    }

    /// The greeting libzmq 4.3.5 sent in zmtp-probe P1 (DEALER with routing id "abc", so its padding is
    /// `00…04`): 10 bytes, then `03`, then 53 bytes. It must be accepted in exactly that staging.
    @Test func acceptsLibzmqGreetingInItsStaging() throws {
        let signature = hex("ff 00 00 00 00 00 00 00 04 7f")
        let rest = hex("01 4e 55 4c 4c") + [UInt8](repeating: 0, count: 48)
        var decoder = GreetingDecoder(expecting: .null)
        var first = buffer(signature)
        #expect(try decoder.decode(&first) == nil)
        #expect(decoder.hasValidSignature)
        #expect(decoder.peerMajorVersion == nil)
        var major = buffer([0x03])
        #expect(try decoder.decode(&major) == nil)
        #expect(decoder.peerMajorVersion == 3)
        var last = buffer(rest)
        let greeting = try #require(try decoder.decode(&last))
        #expect(greeting.majorVersion == 3 && greeting.minorVersion == 1)
        #expect(greeting.mechanism == .null)
        #expect(!greeting.asServer)
        #expect(greeting.usesSubscriptionCommands)
    }

    /// A greeting and the first command in one read: the decoder takes 64 bytes and leaves the rest.
    @Test func leavesFollowingBytesInTheBuffer() throws {
        let ready = hex("04 19 05") + ascii("READY") + hex("0b") + ascii("Socket-Type") + hex("00 00 00 03") + ascii("PUB")
        var input = buffer(Greeting(mechanism: .null).bytes + ready)
        var decoder = GreetingDecoder(expecting: .null)
        #expect(try decoder.decode(&input) != nil)
        #expect(bytes(of: input) == ready)
    }

    @Test func acceptsAnyChunking() throws {
        let bytes = Greeting(mechanism: .null, majorVersion: 3, minorVersion: 0).bytes
        for seed in UInt64(1)...20 {
            var generator = SeededGenerator(seed: seed)
            var decoder = GreetingDecoder(expecting: .null)
            var offset = 0
            var result: Greeting?
            while offset < bytes.count {
                let end = min(bytes.count, offset + Int.random(in: 1...11, using: &generator))
                var chunk = buffer(Array(bytes[offset..<end]))
                result = try decoder.decode(&chunk)
                #expect(chunk.readableBytes == 0)
                offset = end
            }
            let greeting = try #require(result)
            #expect(greeting.minorVersion == 0)
            #expect(!greeting.usesSubscriptionCommands, "ZMTP 3.0 peers need the data-frame subscription form")
        }
    }

    /// Padding is never validated (reference/zmtp-security.md §0.2); later versions are accepted as 3.1, as libzmq
    /// accepted a 4.7 greeting in zmtp-probe P8.
    @Test func ignoresPaddingAndAcceptsLaterVersions() throws {
        var bytes = Greeting(mechanism: .null, majorVersion: 4, minorVersion: 7).bytes
        for index in 1...8 { bytes[index] = 0xA5 }
        var input = buffer(bytes)
        var decoder = GreetingDecoder(expecting: .null)
        let greeting = try #require(try decoder.decode(&input))
        #expect(greeting.majorVersion == 4 && greeting.minorVersion == 7)
        #expect(greeting.usesSubscriptionCommands)
    }

    @Test func garbageIsNotAZMTPPeer() {
        var input = buffer(ascii("GET / HTTP/1.1\r\n\r\n"))
        var decoder = GreetingDecoder(expecting: .null)
        let error = expectZMTPError(.invalidSignature) { _ = try decoder.decode(&input) }
        #expect(error?.message.contains("not a ZMTP peer (greeting starts with 47 45 54 20") == true)
    }

    /// Decided after the 10-byte signature: byte 9 must have bit 0 set.
    @Test func wrongSignatureIsRefusedAfterTenBytes() {
        var input = buffer(hex("ff 00 00 00 00 00 00 00 01 7e"))
        var decoder = GreetingDecoder(expecting: .null)
        let error = expectZMTPError(.invalidSignature) { _ = try decoder.decode(&input) }
        #expect(error?.message.contains("ff 00 00 00 00 00 00 00 01 7e") == true)
    }

    /// A ZMTP/2.0 greeting (RFC 15: signature, revision 01, socket type): refused at byte 10.
    @Test func zmtp20PeerIsRefusedAtTheMajorVersion() {
        var input = buffer(hex("ff 00 00 00 00 00 00 00 01 7f 01"))
        var decoder = GreetingDecoder(expecting: .null)
        let error = expectZMTPError(.unsupportedVersion) { _ = try decoder.decode(&input) }
        #expect(error?.message.contains("ZMTP 2.0") == true)
    }

    @Test func versionedZMTP10PeerIsRefused() {
        var input = buffer(hex("ff 00 00 00 00 00 00 00 01 7f 00"))
        var decoder = GreetingDecoder(expecting: .null)
        let error = expectZMTPError(.unsupportedVersion) { _ = try decoder.decode(&input) }
        #expect(error?.message.contains("ZMTP 1.0") == true)
    }

    /// A ZMTP/1.0 peer (RFC 13) starts with its identity frame: length (counting the flags byte), flags 0, body.
    @Test func unversionedZMTP10PeerIsRefused() {
        var input = buffer(hex("04 00") + ascii("abc"))
        var decoder = GreetingDecoder(expecting: .null)
        let error = expectZMTPError(.unsupportedVersion) { _ = try decoder.decode(&input) }
        #expect(error?.message.contains("ZMTP 1.0") == true)
        #expect(error?.message.contains("3-byte identity") == true)
    }

    @Test func unversionedZMTP10PeerWithLongIdentityIsRefused() {
        var input = buffer(hex("ff 00 00 00 00 00 00 01 2c 00"))
        var decoder = GreetingDecoder(expecting: .null)
        expectZMTPError(.unsupportedVersion) { _ = try decoder.decode(&input) }
    }

    /// libzmq compares all 20 mechanism bytes and closes on a mismatch (ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH).
    @Test func mechanismMismatch() {
        var input = buffer(Greeting(mechanism: .plain).bytes)
        var decoder = GreetingDecoder(expecting: .null)
        let error = expectZMTPError(.mechanismMismatch) { _ = try decoder.decode(&input) }
        #expect(error?.message.contains("PLAIN") == true)
        #expect(error?.libzmqProtocolErrorCode == 0x1100_0002)
    }

    @Test func mechanismNameValidation() {
        #expect(MechanismName(rawValue: "") == nil)
        #expect(MechanismName(rawValue: String(repeating: "X", count: 21)) == nil)
        #expect(MechanismName(rawValue: "GSSAPI")?.paddedBytes.count == 20)
    }
}
