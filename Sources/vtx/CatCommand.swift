import ArgumentParser
import VTX
#if TLS
import VTXTLS
#endif

/// `vtx cat`: one socket on the command line, reading standard input and printing what arrives.
struct CatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "A socket on the command line: send lines from standard input, print the messages that arrive.",
        discussion: """
            What the socket does depends on its type:
              PUSH, PUB        send one message per input line; end at end of
                               input, or after --count messages sent
              PULL, SUB, XSUB  print one line per message; end after --count
              REQ              send a line, print its reply; end at end of
                               input, or after --count replies
              REP              print a request, send the next input line as
                               its reply (--echo: the request itself)
              DEALER, ROUTER,  send input lines and print what arrives, both
              PAIR, XPUB       at once; end at end of input, or once --count
                               messages arrived (--echo: send every message
                               back, read no input)

            Without --delimiter, a line is one frame and a message prints one frame per line. With --delimiter STR, a line is split into frames on STR and a message prints on one line, its frames joined by STR. A ROUTER needs --delimiter to send, since its first frame is the peer's routing id: `peer1|hello` with --delimiter '|'. Bytes pass unchanged.

            --timeout bounds every wait for a message, and every send waiting for a peer; when it expires, vtx cat fails. A sender that connects waits before it exits until its connections are up (up to --timeout, 30 s without one), so what it queued is not lost. A bind to a wildcard port (tcp://127.0.0.1:*) is announced on standard error. Exit status: 0 done, 1 failed (endpoint, socket, timeout), 64 bad usage.

            Examples:
              vtx cat --type pull --bind 'tcp://*:5555'
              seq 3 | vtx cat --type push --connect tcp://127.0.0.1:5555
              vtx cat --type sub --connect tcp://127.0.0.1:5556 \\
                  --subscribe weather --count 10
              echo Ada | vtx cat --type req --connect tcp://127.0.0.1:5557
              vtx cat --type rep --bind ipc:///tmp/greeter --echo
              echo 'a|b' | vtx cat --type dealer --delimiter '|' --count 1 \\
                  --connect tcp://127.0.0.1:5558
              vtx cat --type rep --echo --bind 'tls://*:5559' \\
                  --tls-certificate server.pem --tls-key server-key.pem
              echo hi | vtx cat --type req --connect tls://127.0.0.1:5559 \\
                  --tls-trust ca.pem
              vtx cat --type rep --echo --bind 'tcp://*:5560' \\
                  --plain-server --allow-user admin:secret
              echo hi | vtx cat --type req --connect tcp://127.0.0.1:5560 \\
                  --plain-user admin --plain-password secret
              vtx keygen --out server.cert
              vtx cat --type rep --echo --bind 'tcp://*:5561' \\
                  --curve-server --curve-secret-key server.cert_secret
              echo hi | vtx cat --type req --connect tcp://127.0.0.1:5561 \\
                  --curve-server-key server.cert

            tls:// endpoints need a vtx built with the TLS package trait (swift build --traits TLS).
            """
    )

    @Option(help: "The socket type: PAIR, PUB, SUB, REQ, REP, DEALER, ROUTER, PULL, PUSH, XPUB or XSUB (any case).")
    var type: String

    @Option(help: ArgumentHelp("Bind to an endpoint, such as tcp://*:5555 (repeatable).", valueName: "endpoint"))
    var bind: [String] = []

    @Option(help: ArgumentHelp("Connect to an endpoint, such as tcp://127.0.0.1:5555 (repeatable).", valueName: "endpoint"))
    var connect: [String] = []

    @Option(
        parsing: .unconditionalSingleValue,
        help: ArgumentHelp("SUB/XSUB: receive messages starting with PREFIX (repeatable; none: everything).", valueName: "prefix")
    )
    var subscribe: [String] = []

    @Option(parsing: .unconditional, help: ArgumentHelp("The routing id this socket announces (REQ, DEALER, ROUTER).", valueName: "id"))
    var identity: String?

    @Option(help: ArgumentHelp("Stop after N messages received, or N sent when the type only sends.", valueName: "n"))
    var count: Int?

    @Option(help: ArgumentHelp("Fail when no message arrives (or no peer takes one) within SECONDS.", valueName: "seconds"))
    var timeout: Double?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Split input lines into frames on STR; print frames joined by STR.", valueName: "str")
    )
    var delimiter: String?

    @Flag(help: "REP, ROUTER, DEALER, PAIR: send every received message back (and read no input).")
    var echo = false

    @Flag(help: "When done, print the socket's counters (messages, bytes, drops, connections) to standard error.")
    var stats = false

    @OptionGroup(title: "Security (tcp:// and ipc:// endpoints)")
    var security: SecurityArguments

    #if TLS
    @OptionGroup(title: "TLS (tls:// endpoints)")
    var tls: TLSOptions
    #endif

    /// Validates the command line and runs the session.
    func run() throws {
        let plan = try CatPlan(self)
        try CatSession(plan: plan).run()
    }
}

/// A validated `vtx cat` command line.
struct CatPlan {
    /// What the session does with its socket.
    enum Mode: Equatable {
        /// Input lines out (PUSH, PUB).
        case send
        /// Messages in (PULL, SUB, XSUB).
        case receive
        /// A line out, its reply in (REQ).
        case request
        /// A request in, the next line out (REP).
        case reply
        /// Every message in goes back out (--echo).
        case echo
        /// Lines out and messages in at once (DEALER, ROUTER, PAIR, XPUB).
        case duplex
    }

    /// The socket type.
    let type: SocketType
    /// What the session does, from the type and --echo.
    let mode: Mode
    /// The --bind endpoints, then the --connect ones.
    let endpoints: [EndpointSpec]
    /// SUB/XSUB prefixes; `[""]` (everything) when none was given.
    let subscriptions: [String]
    /// The routing id to announce.
    let identity: String?
    /// Messages to receive (or send, for the sending types) before ending.
    let count: Int?
    /// The longest wait for a message or for a peer to take one.
    let timeout: Duration?
    /// How lines become messages and messages lines.
    let format: FrameFormat
    /// Whether to print the socket's counters at the end (--stats).
    let stats: Bool
    /// The socket's security settings and what its authenticator admits.
    let security: SecurityArguments.Settings
    #if TLS
    /// The tls driver's configuration, from the --tls-* options.
    let tls: TLSDriver.Configuration
    #endif

    /// Validates a command line.
    ///
    /// - Throws: a usage ``ToolFailure`` for an unknown type, no endpoint, or options that do not fit the type.
    init(_ command: CatCommand) throws(ToolFailure) {
        type = try ToolFailure.socketType(named: command.type)
        endpoints = command.bind.map { EndpointSpec(action: .bind, endpoint: $0) }
            + command.connect.map { EndpointSpec(action: .connect, endpoint: $0) }
        guard !endpoints.isEmpty else { throw .usage("give at least one --bind or --connect endpoint") }
        if command.echo {
            guard [.rep, .router, .dealer, .pair].contains(type) else {
                throw .usage("--echo applies to REP, ROUTER, DEALER and PAIR, not \(type.name)")
            }
            mode = .echo
        } else {
            switch type {
            case .push, .pub: mode = .send
            case .pull, .sub, .xsub: mode = .receive
            case .req: mode = .request
            case .rep: mode = .reply
            case .dealer, .router, .pair, .xpub: mode = .duplex
            }
        }
        guard command.subscribe.isEmpty || type == .sub || type == .xsub else {
            throw .usage("--subscribe applies to SUB and XSUB, not \(type.name)")
        }
        subscriptions = command.subscribe.isEmpty ? [""] : command.subscribe
        if let identity = command.identity, identity.utf8.isEmpty || identity.utf8.count > 255 {
            throw .usage("--identity must be 1 to 255 bytes long")
        }
        identity = command.identity
        if let count = command.count, count < 1 { throw .usage("--count must be 1 or more, not \(count)") }
        count = command.count
        if let seconds = command.timeout {
            timeout = try Duration(commandLine: seconds, option: "--timeout")
        } else {
            timeout = nil
        }
        if command.delimiter?.isEmpty == true { throw .usage("--delimiter must not be empty") }
        format = FrameFormat(delimiter: command.delimiter)
        stats = command.stats
        security = try command.security.settings()
        #if TLS
        tls = try command.tls.configuration()
        #endif
    }
}
