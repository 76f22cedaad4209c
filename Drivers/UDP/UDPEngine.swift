#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore
import VTXCore

/// The driver's state and its command handling, confined to the driver's event loop.
final class UDPEngine {
    let loop: any EventLoop
    let logger: Logger
    let statistics: UDPStatistics
    private var listeners: [EndpointID: UDPListener] = [:]
    private var connectors: [EndpointID: UDPConnector] = [:]
    private var generator = SystemRandomNumberGenerator()
    /// Set by ``shutdown(deadline:done:)``: connections then send what their sockets queued before closing.
    private(set) var isShuttingDown = false
    /// Drops logged per reason, so a flood of bad datagrams cannot flood the log.
    private var loggedDrops: [UDPDrop: Int] = [:]

    init(loop: any EventLoop, logger: Logger, statistics: UDPStatistics) {
        self.loop = loop
        self.logger = logger
        self.statistics = statistics
    }

    /// Carries out a command.
    func handle(_ command: DriverCommand) {
        switch command {
        case .bind(let endpoint):
            let address: UDPAddress
            do { address = try UDPAddress(parsing: endpoint.endpoint.address, role: .bind) } catch {
                return endpoint.report(.bindFailed(error))
            }
            let listener = UDPListener(endpoint: endpoint, address: address, engine: self)
            listeners[endpoint.id] = listener
            listener.start()
        case .connect(let endpoint):
            let address: UDPAddress
            do { address = try UDPAddress(parsing: endpoint.endpoint.address, role: .connect) } catch {
                return endpoint.report(.connectFailed(error))
            }
            let connector = UDPConnector(endpoint: endpoint, address: address, engine: self)
            connectors[endpoint.id] = connector
            connector.start()
        case .reconnect(let endpoint):
            connectors[endpoint.id]?.attempt()
        case .unbind(let endpoint):
            guard let listener = listeners[endpoint.id] else { return }
            listener.close()
            endpoint.report(.closed)
            forgetWhenIdle(endpoint.id)
        case .disconnect(let endpoint):
            guard let connector = connectors[endpoint.id] else { return }
            connector.close()
            endpoint.report(.closed)
            forgetWhenIdle(endpoint.id)
        }
    }

    /// Closes every listener and connect: connections first send what their closed socket queued, within its
    /// linger (as a closing socket's would); `done` succeeds once every connection has ended, or at `deadline`,
    /// when what is left is dropped.
    func shutdown(deadline: NIODeadline, done: EventLoopPromise<Void>) {
        isShuttingDown = true
        for listener in listeners.values { listener.close() }
        for connector in connectors.values { connector.close(patience: .seconds(2)) }
        waitForConnections(deadline: deadline, done: done)
    }

    private func waitForConnections(deadline: NIODeadline, done: EventLoopPromise<Void>) {
        let busy = listeners.values.contains { !$0.isIdle } || connectors.values.contains { !$0.isIdle }
        guard busy, NIODeadline.now() < deadline else {
            for listener in listeners.values { listener.close(immediately: true) }
            for connector in connectors.values { connector.close(immediately: true) }
            listeners = [:]
            connectors = [:]
            return done.succeed()
        }
        loop.assumeIsolated().scheduleTask(in: .milliseconds(10)) { [self] in
            waitForConnections(deadline: deadline, done: done)
        }
    }

    /// Forgets a closed listener or connect once its last connection has ended (shutdown waits for it until then).
    private func forgetWhenIdle(_ id: EndpointID) {
        if listeners[id]?.isIdle ?? true, connectors[id]?.isIdle ?? true {
            listeners[id] = nil
            connectors[id] = nil
            return
        }
        loop.assumeIsolated().scheduleTask(in: .milliseconds(50)) { [self] in forgetWhenIdle(id) }
    }

    /// A fresh, non-zero connection id.
    func newConnectionId() -> UInt32 {
        UInt32.random(in: 1...UInt32.max, using: &generator)
    }

    /// Reads a datagram's header; a datagram that is not ours is dropped and counted, and gives `nil`.
    func parse(_ datagram: ByteBuffer, from sender: SocketAddress) -> (UDPHeader, ByteBuffer)? {
        var body = datagram
        switch UDPHeader.read(from: &body) {
        case .failure(let reason):
            drop(reason, from: sender)
            return nil
        case .success(let header):
            return (header, body)
        }
    }

    /// Counts a dropped datagram, and logs the first few of each kind.
    func drop(_ reason: UDPDrop, from sender: SocketAddress) {
        statistics.drop(reason)
        let count = loggedDrops[reason, default: 0]
        guard count < 10 else { return }
        loggedDrops[reason] = count + 1
        logger.debug("udp: dropped a datagram from \(sender): \(reason.rawValue)")
    }

    /// An error from NIO or the system, in words.
    static func describe(_ error: any Error, doing what: String) -> VTXError {
        if let error = error as? VTXError { return error }
        if let io = error as? IOError {
            let code: VTXError.Code = io.errnoCode == EADDRINUSE ? .addressInUse
                : io.errnoCode == EADDRNOTAVAIL ? .addressNotAvailable : .systemError
            return VTXError(code, "\(what) failed: \(String(cString: strerror(io.errnoCode)))")
        }
        return VTXError(.systemError, "\(what) failed: \(error)")
    }
}
