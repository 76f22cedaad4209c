import ArgumentParser
import Dispatch
import VTX

/// `vtx proxy`: libzmq's `zmq_proxy` between two sockets, with an optional capture socket.
struct ProxyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Forward messages both ways between a frontend and a backend socket (zmq_proxy).",
        discussion: """
            Each side is TYPE@ENDPOINT. The endpoint binds with a bind: prefix and connects with a connect: prefix; a bare endpoint connects, except tcp://*:PORT, which can only be bound and so binds. The capture socket (default type PUB; TYPE@ is optional) gets a copy of every message. The tool prints one line per socket with the endpoint it bound or connected (the real port of tcp://…:*), forwards until interrupted (Ctrl-C) or --duration passes, then prints each side's counts and exits 0.

            Common pairs: ROUTER/DEALER (a shared queue), XSUB/XPUB (a forwarder), PULL/PUSH (a streamer).

            Examples:
              vtx proxy --frontend 'ROUTER@tcp://*:5559' \\
                  --backend 'DEALER@tcp://*:5560'
              vtx proxy --frontend XSUB@bind:ipc:///tmp/pub \\
                  --backend 'XPUB@tcp://*:5561' --capture 'tcp://*:5562'
              vtx proxy --frontend PULL@connect:tcp://10.0.0.1:5557 \\
                  --backend PUSH@bind:ipc:///tmp/jobs
            """
    )

    @Option(help: ArgumentHelp("The socket facing clients, TYPE@ENDPOINT.", valueName: "type@endpoint"))
    var frontend: String

    @Option(help: ArgumentHelp("The socket facing services, TYPE@ENDPOINT.", valueName: "type@endpoint"))
    var backend: String

    @Option(help: ArgumentHelp("Where copies of all traffic go, [TYPE@]ENDPOINT (default type PUB).", valueName: "endpoint"))
    var capture: String?

    @Option(help: ArgumentHelp("Stop after SECONDS.", valueName: "seconds"))
    var duration: Double?

    /// Checks --duration.
    func validate() throws {
        if let duration, !(duration > 0) { throw ValidationError("--duration must be more than 0 seconds") }
    }

    /// Sets the sockets up, runs the proxy until it is stopped, and prints the counts.
    func run() throws {
        var specs = [("frontend", try SocketSpec(parsing: frontend)), ("backend", try SocketSpec(parsing: backend))]
        if let capture { specs.append(("capture", try SocketSpec(parsing: capture, defaultType: .pub))) }
        let vtx = VTX()
        let output = MessageOutput()
        var sockets: [Socket] = []
        for (role, spec) in specs {
            let socket = try vtx.socket(spec.type)
            let resolved = try spec.endpoint.apply(to: socket)
            let verb = spec.endpoint.action == .bind ? "bound" : "connected"
            output.line("\(role) \(spec.type.name) \(verb) \(resolved)")
            sockets.append(socket)
        }
        output.flush()

        let control = try ProxyControl()
        let interruption = Interruption { control.terminate() }
        defer { interruption.cancel() }
        if let duration {
            DispatchQueue.global().asyncAfter(deadline: .now() + duration) { control.terminate() }
        }
        let proxy = try Proxy(frontend: sockets[0], backend: sockets[1], capture: sockets.count > 2 ? sockets[2] : nil, control: control)
        do {
            try proxy.run()
        } catch {
            throw error.failure("the proxy stopped")
        }
        let statistics = control.statistics
        for (role, side) in [("frontend", statistics.frontend), ("backend", statistics.backend)] {
            output.line(
                "\(role): \(side.messagesIn) frames in (\(side.bytesIn) B), \(side.messagesOut) frames out (\(side.bytesOut) B)"
            )
        }
        output.flush()
        vtx.shutdown()
        for socket in sockets { socket.close() }
    }
}
