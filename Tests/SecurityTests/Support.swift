import NIOCore
import Synchronization
import Testing
import VTXCore
import ZMTP

/// Bytes from hex text (test vectors).
func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var high: UInt8?
    for character in text.utf8 {
        let value: UInt8
        switch character {
        case 0x30...0x39: value = character - 0x30
        case 0x61...0x66: value = character - 0x61 + 10
        case 0x41...0x46: value = character - 0x41 + 10
        default: continue
        }
        if let first = high {
            bytes.append(first << 4 | value)
            high = nil
        } else {
            high = value
        }
    }
    return bytes
}

/// A command's body (name-length byte, name, data), as the vectors give it.
func body(_ command: Command) -> [UInt8] {
    var buffer = ByteBuffer()
    command.writeBody(to: &buffer)
    return Array(buffer.readableBytesView)
}

/// The command a FrameDecoder would yield for `body` when it does not know the name (HELLO, WELCOME, …).
func command(fromBody body: [UInt8]) throws -> Command {
    var buffer = ByteBuffer()
    buffer.writeBytes(body)
    return try Command(parsing: buffer)
}

/// Randomness that hands out fixed transient secret keys and long nonces, in order.
func fixedRandomness(transientSecret: [UInt8], longNonces: [[UInt8]]) -> CurveRandomness {
    let queue = Mutex(longNonces)
    return CurveRandomness(
        transientKeyPair: {
            let publicKey = transientSecret.withUnsafeBytes { Sodium.publicKey(forSecretKey: $0) } ?? []
            return (publicKey, SecretBytes(copying: transientSecret))
        },
        longNonce: {
            queue.withLock { nonces in nonces.isEmpty ? [UInt8](repeating: 0, count: 16) : nonces.removeFirst() }
        }
    )
}

/// The libzmq test keys (`doc/zmq_curve.txt`) and the transcript's fixed values (`curvezmq-vectors.json`).
enum Vectors {
    static let clientPublic = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
    static let clientSecret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"
    static let serverPublic = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
    static let serverSecret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
    static let clientTransientSecret = hex("892b4146edf99e60dcddaad8a3309812c110df9f82ee931d9290bf448dc9f35c")
    static let serverTransientSecret = hex("56db05866f743f605588b59e62b7228202bbc181f707ea915e241692e647d9d3")
    static let cookieKey = hex("639b5fa54635e5e48f66a93aa1c5718daebaaba10aaf9df10e4e76dee6089585")
    static let welcomeNonce = Array(UInt8(0x10)...UInt8(0x1f))
    static let cookieNonce = Array(UInt8(0x20)...UInt8(0x2f))
    static let vouchNonce = Array(UInt8(0x30)...UInt8(0x3f))

    static let hello = hex("0548454c4c4f01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006fa1d93296f6445d5cbe7ce80c601e54efda3bbb469920b036793997575df06f000000000000000162df14c416a4119238fd7a51a33116d47c37e43db15db44c6603c65c4ee1207ecb86eb49df18b2d34a642b835fe0d78566e49fa5be92732710beac91ca50b3a1f612de62ae4bbd4194be4f5566946742")
    static let welcome = hex("0757454c434f4d45101112131415161718191a1b1c1d1e1f63c96adf37174e401d9e9be8d8f56666bca3f8e5d3e015d4e3364472d48ab776a1852e1601a4975167fe4c1606b2a6836b06a52ffcc789bcc1e48d408e607d012547d246765f28e6fd2324ee61ae4115d4f86c4080b8e1729845f206e497e2b755706dcea188772a4d65f5ff6d9beb37e52207ab8f7f14b944621bf5c68b9aa98a7f1215f7a83922c3d39c1c62204685")
    static let initiate = hex("08494e495449415445202122232425262728292a2b2c2d2e2f3754eee2b27ac4b3d2b486de88f9c52ac192e4b52e6117e1bd1fb7c0c70417805d03c9e42ec303803f091e7de612dabef5dcdaacc7f2382fcb029e086c1d99c7b52d3d2b96511f461ee50d16b0a087d100000000000000023b824aade19ddacfde58eec117e6ae914f2a83acf5d3444e510b0c3f094a3b303cf4cbd5f2de36116cad94bf8ef21542cd7210a850e745270d497e3912e1b98ba86950dbc4df0cfb9bcbe76ecf8bcbaa700bae84103e19b714867b257e0493e284ff04f52991cf528a2a0dbaab4190e49004474c46ea6f59334e2038681ca932d2456627574adc5cc68d49095f582c7b13d73f3e7607a4ad5ea3f8b32a4985cf664f3183d121eddde42a0d4cac34dbc2875871")
    static let ready = hex("05524541445900000000000000013639496a38c5cfc4bd8b349d017a7dde13ea89daca428837e25420f7266fe2dcbbc9b522c0433e07f544af3db212d132cf6c92")
    static let clientHello = hex("074d45535341474500000000000000039cb1202b48a667bd4bce3d641dca2da1a07a0300489d")
    static let serverWorld = hex("074d4553534147450000000000000002ff7ee75ac9f4ddfb339ac38d711a0f77b8d2247eb62e")
    static let clientPing = hex("074d4553534147450000000000000004da66cc316502499e5c1ec43ad483212ec92fe5659b9a9dfe")

    static func key(_ z85: String) -> CurveKey {
        (try? CurveKey(z85: z85)) ?? CurveKey(trusted: [UInt8](repeating: 0, count: 32))
    }
}

/// A client and server pair with the transcript's fixed keys and randomness.
struct Pair {
    var client: CurveClientMechanism
    var server: CurveServerMechanism

    init(
        clientType: SocketType = .dealer, serverType: SocketType = .router, serverKey: CurveKey = Vectors.key(Vectors.serverPublic),
        maxMessageSize: Int? = nil, cookieKeys: CurveCookieKeys = CurveCookieKeys(fixedKey: Vectors.cookieKey),
        clientProperties: Metadata = [], serverRoutingId: Frame = Frame()
    ) {
        client = CurveClientMechanism(
            serverKey: serverKey, publicKey: Vectors.key(Vectors.clientPublic),
            secretKey: Vectors.key(Vectors.clientSecret),
            context: HandshakeContext(socketType: clientType, properties: clientProperties),
            maxMessageSize: maxMessageSize,
            randomness: fixedRandomness(transientSecret: Vectors.clientTransientSecret, longNonces: [Vectors.vouchNonce])
        )
        server = CurveServerMechanism(
            secretKey: Vectors.key(Vectors.serverSecret),
            context: HandshakeContext(
                socketType: serverType, routingId: serverRoutingId, zapDomain: "global", zapAddress: "127.0.0.1"
            ),
            maxMessageSize: maxMessageSize, cookieKeys: cookieKeys,
            randomness: fixedRandomness(
                transientSecret: Vectors.serverTransientSecret, longNonces: [Vectors.welcomeNonce, Vectors.cookieNonce]
            )
        )
    }

    /// HELLO, WELCOME, INITIATE: returns the server's ZAP request and the commands so far.
    mutating func runUntilZAP() throws -> (request: ZAPRequest?, hello: Command, welcome: Command, initiate: Command) {
        let hello = try #require(try client.start().commands.first)
        let welcome = try #require(try server.process(.command(try command(fromBody: body(hello)))).commands.first)
        let initiate = try #require(try client.process(.command(try command(fromBody: body(welcome)))).commands.first)
        let step = try server.process(.command(try command(fromBody: body(initiate))))
        #expect(step.commands.isEmpty && step.failure == nil)
        return (step.authenticate, hello, welcome, initiate)
    }

    /// The whole handshake with `outcome` from ZAP; returns READY.
    mutating func handshake(_ outcome: ZAPOutcome = .noHandler) throws -> Command {
        _ = try runUntilZAP()
        let step = try server.resume(with: outcome)
        let ready = try #require(step.commands.first)
        _ = try client.process(.command(ready))
        #expect(client.isComplete && server.isComplete)
        return ready
    }
}

/// Every item a FrameDecoder yields from `buffer`.
func decodeAll(_ buffer: ByteBuffer) throws -> [ZMTPItem] {
    var buffer = buffer
    var decoder = FrameDecoder()
    var items: [ZMTPItem] = []
    while let item = try decoder.next(&buffer) { items.append(item) }
    return items
}
