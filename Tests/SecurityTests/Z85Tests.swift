import Testing
import VTXCore

/// Z85 (RFC 32) against its vectors, random round trips, and every kind of bad input.
@Suite(.timeLimit(.minutes(1)))
struct Z85Tests {
    @Test("RFC 32 vectors: HelloWorld, the 32-byte key, all zeros and all ones")
    func vectors() throws {
        #expect(try Z85.encode([0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]) == "HelloWorld")
        #expect(try Z85.decode("HelloWorld") == [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B])
        let key = hex("8E0BDD697628B91D8F245587EE95C5B04D48963F79259877B49CD9063AEAD3B7")
        #expect(try Z85.encode(key) == "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
        #expect(try Z85.decode("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6") == key)
        #expect(try Z85.encode([0, 0, 0, 0]) == "00000")
        #expect(try Z85.encode([0xFF, 0xFF, 0xFF, 0xFF]) == "%nSc0")
        #expect(try Z85.decode("%nSc0") == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try Z85.encode([UInt8]()) == "")
    }

    @Test("random round trips")
    func roundTrips() throws {
        var generator = SystemRandomNumberGenerator()
        for length in stride(from: 4, through: 400, by: 4) {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = try Z85.encode(bytes)
            #expect(text.utf8.count == length / 4 * 5)
            #expect(try Z85.decode(text) == bytes)
        }
    }

    @Test("bad input: lengths, characters, overflowing groups, the empty string")
    func badInput() throws {
        let oddLength = #expect(throws: VTXError.invalidArgument) { _ = try Z85.encode([1, 2, 3]) }
        #expect(oddLength?.message.contains("3 bytes") == true)
        #expect(throws: VTXError.invalidArgument) { _ = try Z85.decode("") }
        let length = #expect(throws: VTXError.invalidArgument) { _ = try Z85.decode("HelloW") }
        #expect(length?.message.contains("multiple of 5") == true)
        let character = #expect(throws: VTXError.invalidArgument) { _ = try Z85.decode("Hell\"World") }
        #expect(character?.message.contains("'\"' at position 5") == true, "\(String(describing: character))")
        #expect(throws: VTXError.invalidArgument) { _ = try Z85.decode("Hello World") }
        #expect(throws: VTXError.invalidArgument) { _ = try Z85.decode("héllo") }
        let overflow = #expect(throws: VTXError.invalidArgument) { _ = try Z85.decode("%nSc1") }
        #expect(overflow?.message.contains("0xFFFFFFFF") == true)
        #expect(throws: VTXError.invalidArgument) { _ = try Z85.decode("#####") }
    }
}
