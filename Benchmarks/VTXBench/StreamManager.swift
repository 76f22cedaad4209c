import Foundation
import VTX
#if TLS
import VTXTLS
#endif

/// The manager of a separate-process role: the built-in drivers and, when vtx-bench is built with the TLS trait,
/// a `tls` driver configured from the environment: VTX_BENCH_TLS_CERT and VTX_BENCH_TLS_KEY (PEM, this side's
/// certificate and key; a local-* role binds with them) and VTX_BENCH_TLS_TRUST (PEM roots a remote-* role
/// verifies the server with).
func streamManager() throws -> VTX {
    let vtx = VTX()
    #if TLS
    let environment = ProcessInfo.processInfo.environment
    let configuration = try TLSDriver.Configuration(
        certificateFile: environment["VTX_BENCH_TLS_CERT"],
        privateKeyFile: environment["VTX_BENCH_TLS_KEY"],
        trustFile: environment["VTX_BENCH_TLS_TRUST"]
    )
    try vtx.register(TLSDriver(configuration: configuration), for: "tls")
    #endif
    return vtx
}

/// The security mechanism of `VTX_BENCH_MECHANISM` (`null`, the default; `plain`; `curve`) on `socket`: the
/// binding roles are the server, the connecting ones the client, with the same keys and credentials as the libzmq
/// twins (`Benchmarks/libzmq/common.h`: libzmq's test keys, user and password `bench`). A PLAIN server starts an
/// `Authenticator` that admits that user, as the twins start a ZAP handler that admits everyone; keep it alive
/// (it is returned) for the whole run.
@discardableResult
func applyMechanism(to socket: Socket, vtx: VTX, server: Bool) throws -> Authenticator? {
    switch ProcessInfo.processInfo.environment["VTX_BENCH_MECHANISM"] ?? "null" {
    case "null":
        return nil
    case "plain":
        if server {
            let authenticator = try Authenticator(manager: vtx)
            authenticator.setPasswords(["bench": "bench"])
            socket.plainServer = true
            return authenticator
        } else {
            socket.plainUsername = "bench"
            socket.plainPassword = "bench"
        }
    case "curve":
        if server {
            socket.curveServer = true
            socket.curveSecretKey = try CurveKey(z85: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
        } else {
            socket.curveServerKey = try CurveKey(z85: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")
            socket.curvePublicKey = try CurveKey(z85: "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID")
            socket.curveSecretKey = try CurveKey(z85: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs")
        }
    case let other:
        fail("VTX_BENCH_MECHANISM must be null, plain or curve, not \(other)")
    }
    return nil
}
