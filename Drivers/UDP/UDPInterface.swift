#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import VTXCore

/// Picks the network interface a broadcast goes out on (`docs/udp-protocol.md` §9), as czmq's `ZSYS_INTERFACE`
/// does: the endpoint's `interface=` option, else the `VTX_INTERFACE` environment variable, else the first
/// interface that is up and can broadcast, else loopback. A name (`lo`, `eth0`) or an address selects one; on
/// loopback the broadcast address is 127.255.255.255.
public enum UDPInterface {
    /// The IPv4 broadcast address to reach `port` through the selected interface.
    ///
    /// - Throws: `VTXError.Code.addressNotAvailable` when the named interface does not exist or has no IPv4
    ///   broadcast address.
    public static func broadcastAddress(interface: String?, port: Int) throws(VTXError) -> SocketAddress {
        let wanted = interface ?? environmentInterface()
        let devices = (try? System.enumerateDevices()) ?? []
        let ipv4 = devices.filter { if case .v4 = $0.address { return true } else { return false } }
        func broadcast(of device: NIONetworkDevice) -> SocketAddress? {
            if let address = device.broadcastAddress, case .v4 = address {
                return try? SocketAddress(ipAddress: address.ipAddress ?? "", port: port)
            }
            if isLoopback(device) { return try? SocketAddress(ipAddress: "127.255.255.255", port: port) }
            return nil
        }
        if let wanted, !wanted.isEmpty {
            if wanted == "lo" || wanted == "127.0.0.1" || wanted == "loopback" {
                return try loopbackBroadcast(port: port)
            }
            guard let device = ipv4.first(where: { $0.name == wanted || $0.address?.ipAddress == wanted }) else {
                throw VTXError(.addressNotAvailable, "no IPv4 interface named or addressed '\(wanted)' (set by "
                               + "\(interface == nil ? "VTX_INTERFACE" : "the interface option"))")
            }
            guard let address = broadcast(of: device) else {
                throw VTXError(.addressNotAvailable, "interface '\(wanted)' has no IPv4 broadcast address")
            }
            return address
        }
        if let device = ipv4.first(where: { !isLoopback($0) && $0.broadcastAddress != nil }),
            let address = broadcast(of: device)
        {
            return address
        }
        return try loopbackBroadcast(port: port)
    }

    private static func loopbackBroadcast(port: Int) throws(VTXError) -> SocketAddress {
        do { return try SocketAddress(ipAddress: "127.255.255.255", port: port) } catch {
            throw VTXError(.invalidEndpoint, "port \(port) is not a valid UDP port")
        }
    }

    /// The interface IPv6 multicast beacons go out on and are heard on (ff02::1, all nodes on the link): the named
    /// one (`interface`, else `VTX_INTERFACE`), else the first interface that is up, has an IPv6 address and can
    /// multicast.
    ///
    /// - Throws: `VTXError.Code.addressNotAvailable` when there is no such interface (on Linux, `lo` multicasts
    ///   only after `ip link set lo multicast on`).
    public static func multicastDevice(interface: String?) throws(VTXError) -> NIONetworkDevice {
        let wanted = interface ?? environmentInterface()
        let devices = ((try? System.enumerateDevices()) ?? []).filter {
            if case .v6 = $0.address { return $0.multicastSupported } else { return false }
        }
        if let wanted, !wanted.isEmpty {
            guard let device = devices.first(where: { $0.name == wanted || $0.address?.ipAddress == wanted }) else {
                throw VTXError(.addressNotAvailable, "no IPv6 interface named or addressed '\(wanted)' that can multicast")
            }
            return device
        }
        guard let device = devices.first(where: { !isLoopback($0) }) ?? devices.first else {
            throw VTXError(.addressNotAvailable, "no IPv6 interface that can multicast")
        }
        return device
    }

    /// `VTX_INTERFACE`, when set.
    public static func environmentInterface() -> String? {
        guard let value = getenv("VTX_INTERFACE") else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    private static func isLoopback(_ device: NIONetworkDevice) -> Bool {
        device.name == "lo" || device.address?.ipAddress?.hasPrefix("127.") == true
    }
}
