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

/// With `VTX_BENCH_CURVE=1`, makes `socket` a CURVE server (binding roles) or client (connecting roles) with
/// libzmq's test keys, as `zmq_local_thr`/`zmq_remote_thr` do with the same variable.
func applyCurve(to socket: Socket, server: Bool) throws {
    guard ProcessInfo.processInfo.environment["VTX_BENCH_CURVE"] == "1" else { return }
    if server {
        socket.curveServer = true
        socket.curveSecretKey = try CurveKey(z85: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
    } else {
        socket.curveServerKey = try CurveKey(z85: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")
        socket.curveSecretKey = try CurveKey(z85: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs")
    }
}
