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
