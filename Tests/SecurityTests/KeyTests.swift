import Testing
import VTXCore
import VTXSecurity

/// CurveKey and CurveKeyPair.
@Suite(.timeLimit(.minutes(1)))
struct KeyTests {
    @Test("the zmq_curve.txt key pairs: public keys derive from secret keys")
    func libzmqPairs() throws {
        let client = try CurveKeyPair(secretKey: try CurveKey(z85: Vectors.clientSecret))
        #expect(client.publicKey.z85 == Vectors.clientPublic)
        let server = try CurveKeyPair(secretKey: try CurveKey(z85: Vectors.serverSecret))
        #expect(server.publicKey.z85 == Vectors.serverPublic)
        #expect(server.publicKey.bytes == hex("54FCBA24E93249969316FB617C872BB0C1D1FF14800427C594CBFACF1BC2D652"))
    }

    @Test("generated pairs are consistent and distinct")
    func generate() throws {
        let first = CurveKeyPair.generate()
        let second = CurveKeyPair.generate()
        #expect(first != second)
        #expect(try CurveKeyPair(secretKey: first.secretKey) == first)
        #expect(try CurveKey(z85: first.publicKey.z85) == first.publicKey)
        #expect(try CurveKey(bytes: first.secretKey.bytes) == first.secretKey)
    }

    @Test("bad keys: wrong byte counts, wrong Z85 lengths, bad Z85")
    func badKeys() throws {
        #expect(throws: VTXError.invalidArgument) { _ = try CurveKey(bytes: [UInt8](repeating: 0, count: 31)) }
        #expect(throws: VTXError.invalidArgument) { _ = try CurveKey(bytes: [UInt8](repeating: 0, count: 33)) }
        #expect(throws: VTXError.invalidArgument) { _ = try CurveKey(z85: String(Vectors.clientPublic.dropLast(5))) }
        #expect(throws: VTXError.invalidArgument) { _ = try CurveKey(z85: Vectors.clientPublic + "00000") }
        #expect(throws: VTXError.invalidArgument) { _ = try CurveKey(z85: String(Vectors.clientPublic.dropLast()) + " ") }
    }

    @Test("printing a key or a pair never shows secret material")
    func redaction() throws {
        let pair = try CurveKeyPair(secretKey: try CurveKey(z85: Vectors.clientSecret))
        #expect("\(pair.secretKey)" == "CurveKey(<redacted>)")
        #expect(String(reflecting: pair.secretKey) == "CurveKey(<redacted>)")
        #expect(!"\(pair)".contains(Vectors.clientSecret) && "\(pair)".contains(Vectors.clientPublic))
    }
}
