@_exported import VTXCore
@_exported import VTXSecurity
import Logging
import VTXIPC
import VTXInproc
import VTXTCP
import VTXUDP

extension VTX {
    /// Makes a manager with the built-in drivers registered: `inproc`, `tcp`, `ipc` and `udp`.
    ///
    /// - Parameter logger: the logger for sockets and drivers; by default one labelled `vtx`.
    public convenience init(logger: Logger = Logger(label: "vtx")) {
        self.init(drivers: VTX.builtinDrivers(), logger: logger)
    }

    /// Fresh instances of the built-in drivers, keyed by scheme.
    public static func builtinDrivers() -> [String: any Driver] {
        ["inproc": InprocDriver(), "tcp": TCPDriver.make(), "ipc": IPCDriver.make(), "udp": UDPDriver()]
    }
}
