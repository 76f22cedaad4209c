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

/// The security mechanism of `VTX_BENCH_MECHANISM` (`null`, the default; `plain`; `curve`) for a socket of
/// `vtx`: the binding roles are the server, the connecting ones the client, with the same keys and credentials as
/// the libzmq twins (`Benchmarks/libzmq/common.h`: libzmq's test keys, user and password `bench`). A PLAIN server
/// starts an `Authenticator` that admits that user, as the twins start a ZAP handler that admits everyone; keep
/// it alive (it is returned) for the whole run.
func benchMechanism(vtx: VTX, server: Bool) throws -> (security: SecurityOptions, authenticator: Authenticator?) {
    var security = SecurityOptions()
    switch ProcessInfo.processInfo.environment["VTX_BENCH_MECHANISM"] ?? "null" {
    case "null":
        return (security, nil)
    case "plain":
        if server {
            let authenticator = try Authenticator(manager: vtx)
            authenticator.setPasswords(["bench": "bench"])
            security.plainServer = true
            return (security, authenticator)
        }
        security.plainUsername = "bench"
        security.plainPassword = "bench"
    case "curve":
        if server {
            security.curveServer = true
            security.curveSecretKey = try CurveKey(z85: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
        } else {
            security.curveServerKey = try CurveKey(z85: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")
            security.curvePublicKey = try CurveKey(z85: "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID")
            security.curveSecretKey = try CurveKey(z85: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs")
        }
    case let other:
        fail("VTX_BENCH_MECHANISM must be null, plain or curve, not \(other)")
    }
    return (security, nil)
}
