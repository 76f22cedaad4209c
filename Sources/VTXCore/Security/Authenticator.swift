#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Synchronization

/// A ZAP handler (RFC 27) for one manager, started in one line, like czmq's `zauth` or pyzmq's
/// `ThreadAuthenticator`: it binds ``ZAPRequest/endpoint`` and judges every PLAIN and CURVE handshake (and NULL
/// ones on sockets with a ``Socket/zapDomain``) of that manager's server sockets.
///
/// ```swift
/// let auth = try Authenticator(manager: vtx)
/// auth.setPasswords(["admin": "secret"])
/// server.plainServer = true
/// ```
///
/// What it admits: with an allow list (``allow(_:)``), only those IP addresses; otherwise everyone but the deny
/// list (``deny(_:)``). Then PLAIN clients whose user name and password are in the table (``setPasswords(_:)``,
/// ``loadPasswords(from:)``); CURVE clients whose public key is allowed (``allowCurveKeys(_:)``), or any client
/// with a valid key (``allowAnyCurveKey()``). Refusals answer 400. It logs one line per decision, runs on its own
/// thread, and stops with ``stop()`` or when its manager shuts down.
public final class Authenticator: Sendable {
    private let policy = Locked(AuthenticatorPolicy())
    private let socket: Socket
    private let logger: Logger
    private let stopped = Locked(false)
    private let thread = DriverThread(name: "vtx.zap")

    /// Binds the manager's ZAP endpoint and starts answering on a thread of its own.
    ///
    /// - Throws: ``VTXError/Code/addressInUse`` when another ZAP handler is bound in this manager, or the
    ///   manager's errors (``VTXError/Code/terminated`` after shutdown).
    public init(manager: VTX, logger: Logger? = nil) throws(VTXError) {
        var logger = logger ?? manager.logger
        logger[metadataKey: "vtx-zap"] = "authenticator"
        self.logger = logger
        // A ROUTER, not a REP: no send/receive lock-step that one failed answer could break for every later
        // request.
        let socket = try manager.socket(.router)
        socket.linger = .zero
        do {
            try socket.bind(ZAPRequest.endpoint)
        } catch {
            socket.close()
            throw error
        }
        self.socket = socket
        do {
            try thread.start()
        } catch {
            socket.close()
            throw error
        }
        // The thread is the authenticator's alone: its one work item is the answering loop, which holds what it
        // needs but not the authenticator, so dropping the authenticator stops it.
        let (policy, stopped, log) = (self.policy, self.stopped, self.logger)
        _ = thread.execute {
            Authenticator.serve(socket: socket, policy: policy, stopped: stopped, logger: log)
        }
    }

    deinit {
        stop()
    }

    /// Admits only these IP addresses (adds them to the allow list). libzmq/czmq: `ALLOW`.
    public func allow(_ addresses: String...) {
        policy.withLock { $0.allowedAddresses.formUnion(addresses) }
    }

    /// Refuses these IP addresses (ignored while an allow list exists). libzmq/czmq: `DENY`.
    public func deny(_ addresses: String...) {
        policy.withLock { $0.deniedAddresses.formUnion(addresses) }
    }

    /// Replaces the PLAIN password table: user name → password.
    public func setPasswords(_ table: [String: String]) {
        policy.withLock { $0.passwords = table }
    }

    /// Loads the PLAIN password table from a file of `user=password` lines (czmq's `zauth` format; blank lines
    /// and lines starting `#` are skipped).
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` when the file cannot be read or a line has no `=`, naming the
    ///   file and line.
    public func loadPasswords(from path: String) throws(VTXError) {
        guard let file = fopen(path, "r") else {
            throw VTXError(.invalidArgument, "cannot read the password file \(path)")
        }
        defer { fclose(file) }
        var table: [String: String] = [:]
        var number = 0
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) >= 0, let line {
            number += 1
            let text = String(cString: line).trimmingTrailingNewline
            if text.isEmpty || text.hasPrefix("#") { continue }
            guard let equals = text.firstIndex(of: "=") else {
                throw VTXError(.invalidArgument, "\(path):\(number): expected user=password")
            }
            table[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        setPasswords(table)
    }

    /// Admits CURVE clients with these public keys.
    public func allowCurveKeys(_ keys: [CurveKey]) {
        policy.withLock { $0.curveKeys.formUnion(keys) }
    }

    /// Admits every CURVE client with a valid key pair (libzmq's `CURVE_ALLOW_ANY`): encryption without an
    /// allow list.
    public func allowAnyCurveKey() {
        policy.withLock { $0.anyCurveKey = true }
    }

    /// Stops answering and unbinds the ZAP endpoint; returns once the thread has finished. Handshakes that need a
    /// handler then find none. Stopping twice does nothing.
    public func stop() {
        stopped.withLock { $0 = true }
        guard !thread.isCurrent else { return }
        thread.stop()
    }

    /// Answers requests until stopped or until the socket or manager closes. Any other failure is logged and the
    /// loop goes on: a handler that stopped silently would leave every later handshake waiting for an answer.
    private static func serve(socket: Socket, policy: Locked<AuthenticatorPolicy>, stopped: Locked<Bool>, logger: Logger) {
        defer { socket.close() }
        while !stopped.withLock({ $0 }) {
            let message: Message
            do {
                message = try socket.receive(timeout: .milliseconds(50))
            } catch {
                switch error.code {
                case .timedOut:
                    continue
                case .terminated, .socketClosed:
                    return
                default:
                    logger.warning("the authenticator could not receive a ZAP request: \(error); going on")
                    usleep(10_000)
                    continue
                }
            }
            // [routing id, empty delimiter, the RFC 27 frames...]
            var frames = Array(message.frames)
            guard frames.count >= 2 else { continue }
            let envelope = Array(frames[..<2])
            frames.removeFirst(2)
            let reply: ZAPReply
            do {
                let request = try ZAPRequest(parsing: frames)
                reply = policy.withLock { $0.judge(request) }
                let verdict = reply.admits ? "admitted" : "refused"
                let address = request.address.isEmpty ? "?" : request.address
                let detail = "(domain \"\(request.domain)\"): \(reply.statusCode) \(reply.statusText)"
                logger.info("\(verdict) \(request.mechanism) client at \(address) \(detail)")
            } catch {
                logger.warning("malformed ZAP request: \(error.message)")
                reply = ZAPReply(statusCode: 500, statusText: error.message)
            }
            var answer = Array(reply.message.frames)
            answer.removeFirst()  // the empty delimiter: the envelope carries it
            do {
                try socket.send(Message(envelope + answer), timeout: .seconds(1))
            } catch {
                logger.warning("could not answer a ZAP request: \(error.message)")
            }
        }
    }
}

extension String {
    fileprivate var trimmingTrailingNewline: String {
        var text = self
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        return text
    }
}
