#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix
import VTXCore

/// One bound UDP socket (a SwiftNIO datagram channel with vector reads) on the driver's event loop: sends
/// datagrams, through the endpoint's fault injection, and hands every datagram it receives to its owner.
/// Used only on the loop.
final class DatagramPort {
    /// Called for each datagram received: its bytes and the sender's address.
    var onDatagram: ((ByteBuffer, SocketAddress) -> Void)?
    /// Called after each batch of reads (a good moment to send acknowledgements).
    var onReadComplete: (() -> Void)?
    private(set) var channel: (any Channel)?
    private let loop: any EventLoop
    private let faults: UDPFaults
    private let statistics: UDPStatistics
    private var flushScheduled = false
    /// A datagram held back by reordering, sent after the next one.
    private var heldBack: AddressedEnvelope<ByteBuffer>?
    private var generator = SystemRandomNumberGenerator()

    init(loop: any EventLoop, faults: UDPFaults, statistics: UDPStatistics) {
        self.loop = loop
        self.faults = faults
        self.statistics = statistics
    }

    /// The address the socket is bound to.
    var localAddress: SocketAddress? { channel?.localAddress }

    /// Binds the socket, then calls `done` on the loop with the outcome.
    ///
    /// - Parameters:
    ///   - shared: sets `SO_REUSEPORT`, so several sockets (processes) may bind the same wildcard port and all
    ///     hear its broadcasts.
    ///   - broadcast: sets `SO_BROADCAST`, to send to a broadcast address.
    func bind(
        to address: SocketAddress, shared: Bool, broadcast: Bool,
        done: @escaping (Result<Void, any Error>) -> Void
    ) {
        let bound = NIOLoopBound(self, eventLoop: loop)
        var bootstrap = DatagramBootstrap(group: loop)
            .channelOption(ChannelOptions.datagramVectorReadMessageCount, value: 32)
            .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelOption(ChannelOptions.socketOption(.so_sndbuf), value: 4 << 20)
        if shared {
            bootstrap = bootstrap
                .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .channelOption(ChannelOptions.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
        }
        if broadcast {
            bootstrap = bootstrap.channelOption(ChannelOptions.socketOption(.so_broadcast), value: 1)
        }
        bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramHandler(port: bound))
                }
            }
            .bind(to: address)
            .assumeIsolated()
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    self.channel = channel
                    done(.success(()))
                case .failure(let error):
                    done(.failure(error))
                }
            }
    }

    /// Sends `datagram` to `address`, through the fault injection; the write is flushed once the current work
    /// on the loop is done, so a burst leaves in one batch.
    func send(_ datagram: ByteBuffer, to address: SocketAddress) {
        guard channel != nil else { return }
        statistics.add(\.datagramsSent)
        let envelope = AddressedEnvelope(remoteAddress: address, data: datagram)
        guard faults.isActive else { return write(envelope) }
        if faults.loss > 0, Double.random(in: 0..<100, using: &generator) < faults.loss {
            statistics.add(\.injectedLosses)
            return
        }
        let copies = faults.duplication > 0 && Double.random(in: 0..<100, using: &generator) < faults.duplication ? 2 : 1
        for _ in 0..<copies {
            if faults.delay > .zero {
                loop.assumeIsolated().scheduleTask(in: TimeAmount(faults.delay)) { [self] in reorderOrWrite(envelope) }
            } else {
                reorderOrWrite(envelope)
            }
        }
    }

    private func reorderOrWrite(_ envelope: AddressedEnvelope<ByteBuffer>) {
        if heldBack == nil, faults.reordering > 0, Double.random(in: 0..<100, using: &generator) < faults.reordering {
            heldBack = envelope
            // Sent after the next datagram, or shortly if none follows.
            loop.assumeIsolated().scheduleTask(in: .milliseconds(2)) { [self] in releaseHeldBack() }
            return
        }
        write(envelope)
        releaseHeldBack()
    }

    private func releaseHeldBack() {
        guard let held = heldBack else { return }
        heldBack = nil
        write(held)
    }

    private func write(_ envelope: AddressedEnvelope<ByteBuffer>) {
        guard let channel else { return }
        channel.write(envelope, promise: nil)
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.assumeIsolated().execute { [self] in
            flushScheduled = false
            self.channel?.flush()
        }
    }

    /// Closes the socket, after sending what was written (a CLOSE, say) and what reordering held back.
    func close() {
        releaseHeldBack()
        channel?.flush()
        channel?.close(promise: nil)
        channel = nil
        onDatagram = nil
        onReadComplete = nil
    }

    fileprivate func received(_ envelope: AddressedEnvelope<ByteBuffer>) {
        statistics.add(\.datagramsReceived)
        onDatagram?(envelope.data, envelope.remoteAddress)
    }

    fileprivate func readComplete() {
        onReadComplete?()
    }
}

/// Passes what a datagram channel reads to its ``DatagramPort``.
private final class DatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let port: NIOLoopBound<DatagramPort>

    init(port: NIOLoopBound<DatagramPort>) { self.port = port }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        port.value.received(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        port.value.readComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A datagram socket reports ICMP errors (port unreachable) here; the protocol's timers deal with the peer.
    }
}
