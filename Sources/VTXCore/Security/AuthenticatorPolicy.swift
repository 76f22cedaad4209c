/// What an ``Authenticator`` admits: address lists, PLAIN passwords, CURVE client keys. A pure value: it judges
/// one ``ZAPRequest`` at a time.
struct AuthenticatorPolicy: Sendable {
    var allowedAddresses: Set<String> = []
    var deniedAddresses: Set<String> = []
    var passwords: [String: String]?
    var curveKeys: Set<CurveKey> = []
    var anyCurveKey = false

    /// The verdict on `request`, as czmq's `zauth` and pyzmq's authenticators give it: the address lists first
    /// (an allow list admits only its addresses; otherwise a deny list refuses its own), then the mechanism's
    /// credentials.
    func judge(_ request: ZAPRequest) -> ZAPReply {
        if !allowedAddresses.isEmpty {
            guard allowedAddresses.contains(request.address) else {
                return ZAPReply(statusCode: 400, statusText: "address \(request.address) is not on the allow list")
            }
        } else if deniedAddresses.contains(request.address) {
            return ZAPReply(statusCode: 400, statusText: "address \(request.address) is on the deny list")
        }
        switch request.mechanism {
        case "NULL":
            return ZAPReply(statusCode: 200, statusText: "OK")
        case "PLAIN":
            guard request.credentials.count == 2 else {
                return ZAPReply(statusCode: 400, statusText: "a PLAIN request needs a user name and a password")
            }
            let user = request.credentials[0].text
            let password = request.credentials[1].text
            guard let passwords else {
                return ZAPReply(statusCode: 400, statusText: "no PLAIN passwords are configured")
            }
            guard passwords[user] == password else {
                return ZAPReply(statusCode: 400, statusText: "wrong user name or password for \"\(user)\"")
            }
            return ZAPReply(statusCode: 200, statusText: "OK", userId: user)
        case "CURVE":
            guard request.credentials.count == 1, let key = try? CurveKey(bytes: request.credentials[0].bytes) else {
                return ZAPReply(statusCode: 400, statusText: "a CURVE request needs the client's 32-byte public key")
            }
            guard anyCurveKey || curveKeys.contains(key) else {
                return ZAPReply(statusCode: 400, statusText: "client key \(key.z85) is not allowed")
            }
            return ZAPReply(statusCode: 200, statusText: "OK", userId: key.z85)
        default:
            return ZAPReply(statusCode: 400, statusText: "mechanism \(request.mechanism) is not supported")
        }
    }
}
