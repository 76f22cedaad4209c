import Synchronization
import VTXCore
import ZMTP

/// The mechanisms the harnesses drive, with the CurveZMQ transcript's fixed keys and randomness
/// (`/work/shared/reference/zmtp-probe/curvezmq-vectors.json`, the libzmq test keys), so that a run is reproducible
/// and the seed corpus's CURVE commands are the ones these mechanisms expect.
enum Peers {
    static let clientPublic = key("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID")
    static let clientSecret = key("D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs")
    static let serverPublic = key("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")
    static let serverSecret = key("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
    static let cookieKeys = CurveCookieKeys(fixedKey: bytes(hex: "639b5fa54635e5e48f66a93aa1c5718daebaaba10aaf9df10e4e76dee6089585"))

    private static func key(_ z85: String) -> CurveKey {
        (try? CurveKey(z85: z85)) ?? CurveKey(trusted: [UInt8](repeating: 1, count: 32))
    }

    /// Bytes from lowercase hex digits.
    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8).map { $0 <= 0x39 ? $0 - 0x30 : $0 - 0x61 + 10 }
        return stride(from: 0, to: digits.count - 1, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    /// Randomness handing out `transient` as the transient secret and the long nonces in order (then zeros).
    private static func randomness(transient: String, nonces: [UInt8]) -> CurveRandomness {
        let secret = bytes(hex: transient)
        let queue = Mutex(nonces.isEmpty ? [] : stride(from: 0, to: nonces.count, by: 16).map { UInt8($0) })
        return CurveRandomness(
            transientKeyPair: {
                let publicKey = secret.withUnsafeBytes { Sodium.publicKey(forSecretKey: $0) } ?? []
                return (publicKey, SecretBytes(copying: secret))
            },
            longNonce: {
                let first = queue.withLock { $0.isEmpty ? nil : $0.removeFirst() }
                return first.map { start in nonces[Int(start)..<Int(start) + 16].map { $0 } }
                    ?? [UInt8](repeating: 0, count: 16)
            }
        )
    }

    /// A CURVE server (ROUTER) as in the transcript.
    static func curveServer(maxMessageSize: Int? = nil) -> CurveServerMechanism {
        CurveServerMechanism(
            secretKey: serverSecret, context: HandshakeContext(socketType: .router), maxMessageSize: maxMessageSize,
            cookieKeys: cookieKeys,
            randomness: randomness(
                transient: "56db05866f743f605588b59e62b7228202bbc181f707ea915e241692e647d9d3",
                nonces: Array(UInt8(0x10)...UInt8(0x2f))
            )
        )
    }

    /// A CURVE client (DEALER) as in the transcript.
    static func curveClient(maxMessageSize: Int? = nil) -> CurveClientMechanism {
        CurveClientMechanism(
            serverKey: serverPublic, publicKey: clientPublic, secretKey: clientSecret,
            context: HandshakeContext(socketType: .dealer), maxMessageSize: maxMessageSize,
            randomness: randomness(
                transient: "892b4146edf99e60dcddaad8a3309812c110df9f82ee931d9290bf448dc9f35c",
                nonces: Array(UInt8(0x30)...UInt8(0x3f))
            )
        )
    }

    /// One of the mechanisms a connection can use, chosen by `selector`.
    static func mechanism(_ selector: UInt8, socketType: SocketType) -> any Mechanism {
        let context = HandshakeContext(socketType: socketType, routingId: Frame("id"), zapAddress: "127.0.0.1")
        switch selector % 6 {
        case 0: return NullMechanism(context: context)
        case 1:
            var zap = context
            zap.zapDomain = "global"
            return NullMechanism(context: zap)
        case 2: return PlainServerMechanism(context: context)
        case 3:
            return (try? PlainClientMechanism(username: "admin", password: "secret", context: context))
                ?? NullMechanism(context: context)
        case 4: return curveServer()
        default: return curveClient()
        }
    }

    /// A ZAP outcome chosen by `selector`: admitted (with a user id and metadata), refused (300, 400, 500), no
    /// handler, or an invalid reply.
    static func zapOutcome(_ selector: UInt8) -> ZAPOutcome {
        switch selector % 6 {
        case 0: .reply(ZAPReply(statusCode: 200, userId: "user", metadata: Frame([5, 0x58, 0x2D, 0x41, 0x42, 0x43, 0, 0, 0, 1, 0x76])))
        case 1: .reply(ZAPReply(statusCode: 300, statusText: "later"))
        case 2: .reply(ZAPReply(statusCode: 400, statusText: "no"))
        case 3: .reply(ZAPReply(statusCode: 500, statusText: "broken"))
        case 4: .noHandler
        default: .invalid("garbage")
        }
    }
}
