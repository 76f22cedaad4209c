import VTX
import VTXPerf

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One run of `vtx cat`: a manager, one socket, standard input and output.
///
/// Failures are thrown as they happen and the process exits without waiting for queued messages; a run that ends
/// well shuts the manager down first, which sends what is queued (within linger) before the socket closes.
final class CatSession {
    private let plan: CatPlan
    // Before the manager, which opens descriptors: a closed stdin must not be mistaken for one of them.
    private let input = LineReader()
    private let vtx = VTX()
    private let socket: Socket
    private let watch: ConnectionWatch
    /// The ZAP handler, when the options ask for one (--allow-user, --allow-key).
    private var authenticator: Authenticator?
    private let output = MessageOutput()
    private var sent = 0
    private var received = 0

    /// How often a ROUTER retries a message whose peer is not connected yet.
    private static let unroutableRetry: Duration = .milliseconds(20)

    /// Makes the manager and the socket of `plan`.
    init(plan: CatPlan) throws(ToolFailure) {
        self.plan = plan
        #if TLS
        // Only when used: the driver is one more thread, and the system's trust roots are read at its start.
        if plan.endpoints.contains(where: { $0.endpoint.lowercased().hasPrefix("tls://") }) {
            try vtx.registerTLS(plan.tls)
        }
        #endif
        vtx.collectsStatistics = plan.stats
        do {
            socket = try vtx.socket(plan.type)
            watch = try ConnectionWatch(socket)
        } catch {
            throw error.failure("cannot make a \(plan.type.name) socket")
        }
    }

    /// Sets the socket up, runs the mode until it ends, and shuts down.
    func run() throws(ToolFailure) {
        try setUp()
        switch plan.mode {
        case .send: try sendLines()
        case .receive: try receiveMessages()
        case .request: try requestReplies()
        case .reply: try replyWithLines()
        case .echo: try echoMessages()
        case .duplex: try duplex()
        }
        output.flush()
        try awaitConnections()
        if plan.stats { printError(socket.statistics.summary) }
        vtx.shutdown()
        socket.close()
    }

    /// Messages queued on a connect whose connection is not up yet would be dropped by the shutdown (see
    /// ``ConnectionWatch``): wait for the connections first, up to --timeout (30 s without one), as libzmq's
    /// linger would. A PUB has nothing queued before its subscribers' handshakes, so it does not wait.
    private func awaitConnections() throws(ToolFailure) {
        let connects = plan.endpoints.filter { $0.action == .connect }.map(\.endpoint)
        guard sent > 0, !connects.isEmpty, plan.type != .pub, plan.type != .xpub else { return }
        let wait = plan.timeout ?? .seconds(30)
        if let missing = watch.waitForHandshakes(on: connects, timeout: wait).first {
            throw ToolFailure("no connection to '\(missing)' within \(describe(wait)): what was queued for it was not sent")
        }
    }

    /// Applies the options, subscribes, binds and connects.
    private func setUp() throws(ToolFailure) {
        socket.security = plan.security.security
        if plan.security.needsAuthenticator {
            do {
                let authenticator = try Authenticator(manager: vtx)
                if let passwords = plan.security.passwords { authenticator.setPasswords(passwords) }
                if let keys = plan.security.curveKeys { authenticator.allowCurveKeys(keys) }
                self.authenticator = authenticator
            } catch {
                throw error.failure("cannot start the authenticator")
            }
        }
        if let identity = plan.identity { socket.routingId = Frame(identity) }
        if plan.type == .router && plan.mode == .duplex { socket.routerMandatory = true }
        if plan.type == .sub {
            for prefix in plan.subscriptions {
                do { try socket.subscribe(prefix) } catch { throw error.failure("cannot subscribe to '\(prefix)'") }
            }
        }
        for endpoint in plan.endpoints {
            let resolved = try endpoint.apply(to: socket)
            // A wildcard (tcp://…:*) is resolved by the bind: say where, since nothing else can.
            if resolved != endpoint.endpoint { printError("vtx cat: bound to \(resolved)") }
        }
        if plan.type == .xsub {
            // An XSUB subscribes by sending 0x01 + prefix, which it keeps and sends to every publisher it meets.
            for prefix in plan.subscriptions {
                do {
                    try socket.send(Message(Frame([0x01] + Array(prefix.utf8))))
                } catch {
                    throw error.failure("cannot subscribe to '\(prefix)'")
                }
            }
        }
    }

    // MARK: Modes

    /// Whether --count messages have been received (sent, for the sending types).
    private func isDone() -> Bool {
        guard let count = plan.count else { return false }
        return (plan.mode == .send ? sent : received) >= count
    }

    /// PUSH, PUB: one message per line.
    private func sendLines() throws(ToolFailure) {
        while !isDone(), let line = input.nextLine() {
            try send(plan.format.message(fromLine: line))
        }
    }

    /// PULL, SUB, XSUB: print what arrives.
    private func receiveMessages() throws(ToolFailure) {
        while !isDone() {
            print(try receive())
        }
    }

    /// REQ: a line out, its reply in.
    private func requestReplies() throws(ToolFailure) {
        while !isDone() {
            output.flush()
            guard let line = input.nextLine() else { return }
            try send(plan.format.message(fromLine: line))
            print(try receive())
        }
    }

    /// REP: a request in, the next line out as its reply.
    private func replyWithLines() throws(ToolFailure) {
        while !isDone() {
            print(try receive())
            output.flush()
            guard let line = input.nextLine() else { return }
            try send(plan.format.message(fromLine: line))
        }
    }

    /// --echo: every message back to where it came from.
    private func echoMessages() throws(ToolFailure) {
        while !isDone() {
            let message = try receive()
            print(message)
            try send(message)
        }
    }

    /// DEALER, ROUTER, PAIR, XPUB: lines out and messages in, whichever comes; ends at end of input (after
    /// sending everything read) or, with --count, once enough messages arrived.
    private func duplex() throws(ToolFailure) {
        var pending: Message?
        var pendingIsUnroutable = false
        var deadline = plan.timeout.map { ContinuousClock.now + $0 }
        while !isDone() {
            // Everything that has arrived.
            while !isDone(), let message = try receiveNow() {
                print(message)
                deadline = plan.timeout.map { ContinuousClock.now + $0 }
            }
            if isDone() { break }
            // Everything that can go out without waiting.
            while true {
                if pending == nil, let line = input.bufferedLine() {
                    pending = plan.format.message(fromLine: line)
                }
                guard let message = pending else { break }
                do {
                    guard try socket.trySend(message) else { break }
                    pending = nil
                    pendingIsUnroutable = false
                    sent += 1
                } catch where error.code == .hostUnreachable {
                    // A ROUTER whose peer has not connected yet: retry shortly.
                    pendingIsUnroutable = true
                    break
                } catch {
                    throw error.failure("cannot send")
                }
            }
            if pending == nil && input.isExhausted && plan.count == nil { break }
            // Wait for the socket, for input, or for the next retry.
            output.flush()
            let poller = Poller()
            var wait = deadline.map { max(.zero, $0 - .now) }
            do {
                try poller.add(socket, events: pending != nil && !pendingIsUnroutable ? [.readable, .writable] : .readable)
                if pending == nil && !input.reachedEnd { try poller.add(fileDescriptor: input.descriptor) }
                if pendingIsUnroutable { wait = min(wait ?? CatSession.unroutableRetry, CatSession.unroutableRetry) }
                let ready = try poller.wait(timeout: wait)
                if ready.contains(where: { $0.fileDescriptor == input.descriptor }) { input.fill() }
            } catch {
                throw error.failure("cannot wait")
            }
            if let deadline, deadline <= .now, !socket.isReadable {
                if pendingIsUnroutable, let pending {
                    throw ToolFailure(
                        "no peer with routing id '\(String(decoding: pending[0].bytes, as: UTF8.self))' connected "
                            + "within \(describe(plan.timeout))"
                    )
                }
                throw timedOut()
            }
        }
    }

    // MARK: Sending and receiving

    /// Sends a message, waiting up to --timeout for a peer to take it.
    private func send(_ message: Message) throws(ToolFailure) {
        do {
            try socket.send(message, timeout: plan.timeout)
            sent += 1
        } catch where error.code == .timedOut {
            throw ToolFailure("no peer took a message within \(describe(plan.timeout)) (\(sent) sent)")
        } catch {
            throw error.failure("cannot send")
        }
    }

    /// The next message, waiting up to --timeout; flushes the output first if it has to wait.
    private func receive() throws(ToolFailure) -> Message {
        if !socket.isReadable { output.flush() }
        do {
            return try socket.receive(timeout: plan.timeout)
        } catch where error.code == .timedOut {
            throw timedOut()
        } catch {
            throw error.failure("cannot receive")
        }
    }

    /// A message that is already there, or `nil`.
    private func receiveNow() throws(ToolFailure) -> Message? {
        do { return try socket.tryReceive() } catch { throw error.failure("cannot receive") }
    }

    /// The failure of a wait for a message that passed --timeout.
    private func timedOut() -> ToolFailure {
        let progress = plan.count.map { " (\(received) of \($0) received)" } ?? " (\(received) received)"
        return ToolFailure("no message arrived within \(describe(plan.timeout))\(progress)")
    }

    /// Writes a received message as a line, and counts it.
    private func print(_ message: Message) {
        received += 1
        plan.format.write(message, to: output)
    }
}
