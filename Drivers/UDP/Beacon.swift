#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix
import VTXCore

/// A beacon heard by a ``Beacon``: who sent it and what it said.
public struct BeaconEvent: Sendable, Hashable {
    /// The sender's IP address, numeric, without a port (as czmq's `zbeacon` reports it).
    public let sender: String
    /// The payload, as sent.
    public let payload: [UInt8]
}

/// UDP discovery beacons in the spirit of czmq's `zbeacon`, and byte-compatible with it: a small payload (at most
/// 255 bytes) broadcast on a port at an interval, and the beacons of others on that port, filtered by prefix,
/// delivered as an `AsyncSequence` (``events``).
///
/// - IPv4 broadcast on the selected interface (``UDPInterface``: the `interface` argument, `VTX_INTERFACE`, the
///   first broadcast interface; loopback broadcasts to 127.255.255.255), or with `ipv6`, IPv6 multicast to ff02::1
///   (all nodes on the link) on the selected interface, as czmq does with `ZSYS_IPV6`.
/// - Several beacons on one host share the port (`SO_REUSEADDR`, `SO_REUSEPORT`).
/// - Nothing is delivered until ``subscribe(prefix:)``; an empty prefix means every beacon. A beacon byte-identical
///   to our own payload is our echo and is dropped (czmq's rule; give each node a unique payload, as ZRE's UUID does).
/// - Payloads are sent raw, so czmq's `zbeacon` hears ours and we hear its.
///
/// The beacon runs on a SwiftNIO event loop of its own; ``close()`` stops it.
public final class Beacon: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let state: NIOLoopBoundBox<BeaconState>
    private let continuation: AsyncStream<BeaconEvent>.Continuation
    /// The beacons heard, after filtering; ends when the beacon closes.
    public let events: AsyncStream<BeaconEvent>
    /// Where beacons are sent (`127.255.255.255:PORT` on loopback).
    public let broadcastAddress: String
    /// The largest payload (czmq's `UDP_FRAME_MAX`).
    public static let maxPayload = 255

    /// Binds the beacon's port on every interface and selects where beacons go: the interface's IPv4 broadcast
    /// address, or with `ipv6` the IPv6 all-nodes group ff02::1 on the interface (joined, to hear the others).
    /// Blocks until bound; do not call it on an event loop.
    ///
    /// - Parameters:
    ///   - port: the UDP port beacons are sent to and heard on.
    ///   - interface: an interface name (`lo`) or address; `nil` reads `VTX_INTERFACE`, then picks the first
    ///     interface that can broadcast (or multicast, with `ipv6`).
    ///   - ipv6: IPv6 multicast instead of IPv4 broadcast.
    /// - Throws: `VTXError.Code.addressNotAvailable` when the interface does not exist or cannot broadcast (or
    ///   multicast), `VTXError.Code.invalidArgument` for a port outside 1–65535, and a system error when the port
    ///   cannot be bound or the group joined.
    public init(port: Int, interface: String? = nil, ipv6: Bool = false) throws(VTXError) {
        guard (1...65535).contains(port) else {
            throw VTXError(.invalidArgument, "beacon port \(port) is not from 1 to 65535")
        }
        let target: SocketAddress
        let device: NIONetworkDevice?
        if ipv6 {
            device = try UDPInterface.multicastDevice(interface: interface)
            do { target = try SocketAddress(ipAddress: "ff02::1", port: port) } catch {
                throw VTXError(.invalidArgument, "beacon port \(port) is not a valid UDP port")
            }
            broadcastAddress = "[ff02::1%\(device?.name ?? "?")]:\(port)"
        } else {
            device = nil
            target = try UDPInterface.broadcastAddress(interface: interface, port: port)
            broadcastAddress = "\(target.ipAddress ?? "?"):\(port)"
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        self.group = group
        (events, continuation) = AsyncStream.makeStream(of: BeaconEvent.self, bufferingPolicy: .bufferingNewest(1024))
        let continuation = continuation
        state = NIOLoopBoundBox.makeBoxSendingValue(
            BeaconState(loop: loop, target: target, device: device, continuation: continuation), as: BeaconState.self,
            eventLoop: loop)
        let state = state
        let bound: EventLoopFuture<Void> = loop.flatSubmit {
            let promise = loop.makePromise(of: Void.self)
            state.value.bind(port: port, promise: promise)
            return promise.futureResult
        }
        do { try bound.wait() } catch {
            try? group.syncShutdownGracefully()
            continuation.finish()
            throw UDPEngine.describe(error, doing: "binding beacon port \(port)")
        }
    }

    /// Starts broadcasting `payload` every `interval` (czmq's `PUBLISH`); replaces what was published before.
    ///
    /// - Throws: `VTXError.Code.invalidArgument` for a payload over 255 bytes or an interval that is not positive.
    public func publish(_ payload: [UInt8], interval: Duration = .seconds(1)) throws(VTXError) {
        guard payload.count <= Beacon.maxPayload else {
            throw VTXError(.invalidArgument, "a beacon payload has at most 255 bytes, not \(payload.count)")
        }
        guard interval > .zero else { throw VTXError(.invalidArgument, "a beacon interval must be positive") }
        let state = state
        state.eventLoop.execute { state.value.publish(payload, interval: TimeAmount(interval)) }
    }

    /// Stops broadcasting (czmq's `SILENCE`).
    public func silence() {
        let state = state
        state.eventLoop.execute { state.value.silence() }
    }

    /// Delivers the beacons that start with `prefix` (empty: every beacon), czmq's `SUBSCRIBE`.
    public func subscribe(prefix: [UInt8] = []) {
        let state = state
        state.eventLoop.execute { state.value.filter = prefix }
    }

    /// Delivers no more beacons (czmq's `UNSUBSCRIBE`).
    public func unsubscribe() {
        let state = state
        state.eventLoop.execute { state.value.filter = nil }
    }

    /// Stops broadcasting and listening, ends ``events`` and stops the beacon's thread. Blocks until done; do not
    /// call it on an event loop.
    public func close() {
        let state = state
        try? state.eventLoop.submit { state.value.close() }.wait()
        try? group.syncShutdownGracefully()
        continuation.finish()
    }
}

/// The beacon's state, on its event loop: one shared, broadcasting ``DatagramPort`` that sends and hears.
private final class BeaconState {
    let loop: any EventLoop
    let target: SocketAddress
    /// The interface of IPv6 multicast, `nil` for IPv4 broadcast.
    let device: NIONetworkDevice?
    let continuation: AsyncStream<BeaconEvent>.Continuation
    let port: DatagramPort
    var payload: [UInt8]?
    var timer: Scheduled<Void>?
    var interval = TimeAmount.seconds(1)
    var filter: [UInt8]?

    init(
        loop: any EventLoop, target: SocketAddress, device: NIONetworkDevice?,
        continuation: AsyncStream<BeaconEvent>.Continuation
    ) {
        self.loop = loop
        self.target = target
        self.device = device
        self.continuation = continuation
        port = DatagramPort(loop: loop, faults: UDPFaults(), statistics: UDPStatistics())
    }

    func bind(port number: Int, promise: EventLoopPromise<Void>) {
        let address: SocketAddress
        do { address = try SocketAddress(ipAddress: device == nil ? "0.0.0.0" : "::", port: number) } catch {
            return promise.fail(error)
        }
        port.bind(to: address, shared: true, broadcast: device == nil) { [self] result in
            switch result {
            case .success:
                port.onDatagram = { [self] in received($0, from: $1) }
                guard let device, let channel = port.channel else { return promise.succeed() }
                // IPv6: send on the chosen interface, and join the all-nodes group there to hear the others.
                let target = self.target
                channel.setOption(
                    ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_multicast_if),
                    value: SocketOptionValue(device.interfaceIndex)
                )
                    .flatMap { () -> EventLoopFuture<Void> in
                        guard let multicast = channel as? any MulticastChannel else {
                            return channel.eventLoop.makeFailedFuture(
                                VTXError(.notSupported, "the beacon's channel cannot join a multicast group"))
                        }
                        return multicast.joinGroup(target, device: device)
                    }
                    .cascade(to: promise)
            case .failure(let error):
                promise.fail(error)
            }
        }
    }

    func publish(_ payload: [UInt8], interval: TimeAmount) {
        self.payload = payload
        self.interval = interval
        timer?.cancel()
        send()
    }

    private func send() {
        guard let payload else { return }
        timer = loop.assumeIsolated().scheduleTask(in: interval) { [self] in send() }
        var buffer = ByteBuffer()
        buffer.writeBytes(payload)
        port.send(buffer, to: target)
    }

    func silence() {
        timer?.cancel()
        timer = nil
        payload = nil
    }

    private func received(_ datagram: ByteBuffer, from sender: SocketAddress) {
        guard let filter, datagram.readableBytes <= Beacon.maxPayload else { return }
        let bytes = Array(datagram.readableBytesView)
        if let payload, bytes == payload { return }  // our own echo
        guard bytes.starts(with: filter) else { return }
        continuation.yield(BeaconEvent(sender: sender.ipAddress ?? "?", payload: bytes))
    }

    func close() {
        silence()
        port.close()
    }
}

/// The 22-byte beacon of ZRE (RFC 36): `Z` `R` `E`, version 1, the node's 16-byte UUID, and its mailbox port
/// (0 means the node is leaving).
public struct ZREBeacon: Sendable, Hashable {
    /// The protocol version (1 in RFC 36).
    public var version: UInt8
    /// The node's UUID.
    public var uuid: [UInt8]
    /// The node's mailbox (ROUTER) port; 0 when it leaves.
    public var port: UInt16

    /// Makes a version-1 beacon.
    ///
    /// - Throws: `VTXError.Code.invalidArgument` when `uuid` is not 16 bytes.
    public init(uuid: [UInt8], port: UInt16, version: UInt8 = 1) throws(VTXError) {
        guard uuid.count == 16 else { throw VTXError(.invalidArgument, "a ZRE UUID has 16 bytes, not \(uuid.count)") }
        self.uuid = uuid
        self.port = port
        self.version = version
    }

    /// Parses a beacon; `nil` unless it is exactly 22 bytes starting with `ZRE` and version 1.
    public init?(parsing bytes: [UInt8]) {
        guard bytes.count == 22, bytes.starts(with: [0x5A, 0x52, 0x45]), bytes[3] == 1 else { return nil }
        version = 1
        uuid = Array(bytes[4..<20])
        port = UInt16(bytes[20]) << 8 | UInt16(bytes[21])
    }

    /// The 22 bytes.
    public var bytes: [UInt8] {
        [0x5A, 0x52, 0x45, version] + uuid + [UInt8(port >> 8), UInt8(port & 0xFF)]
    }
}
