import NIOCore
import VTXCore
import ZMTP

/// PLAIN's commands fed to the mechanisms' `process` (and `resume`): each piece of the input is a command body
/// (HELLO, WELCOME, INITIATE, READY, ERROR or anything) or, with a flag, a data frame. What must hold: the server
/// asks ZAP with exactly the user name and password HELLO carried, and completes only after INITIATE once ZAP
/// admitted; the client completes only after WELCOME then READY; a complete side has a compatible peer; nothing is
/// accepted after a failure.
enum PlainHarness {
    static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        let asServer = input.byte() & 1 == 0
        let socketType = SocketType.allCases[Int(input.byte()) % SocketType.allCases.count]
        let zap = input.byte()
        let context = HandshakeContext(socketType: socketType, zapAddress: "127.0.0.1")
        var mechanism: any Mechanism = PlainServerMechanism(context: context)
        if !asServer {
            guard let client = try? PlainClientMechanism(username: "admin", password: "secret", context: context) else {
                return
            }
            mechanism = client
        }
        guard (try? mechanism.start()) != nil else { return }
        var admitted = false
        var names: [String] = []
        while !input.isEmpty {
            let isData = input.byte() == 0xFF
            let body = input.piece(wide: true)
            let item: ZMTPItem
            if isData {
                item = .message(Message(body))
            } else {
                guard let command = try? Command(parsing: ByteBuffer(bytes: body)) else { continue }
                names.append(command.name)
                item = .command(command)
            }
            let wasComplete = mechanism.isComplete
            guard var step = try? mechanism.process(item) else { return }
            require(!wasComplete || mechanism.isComplete, "completion went back")
            if let request = step.authenticate {
                require(asServer && request.mechanism == "PLAIN", "a PLAIN \(asServer ? "server" : "client") asked ZAP")
                requireCredentials(request.credentials, from: body)
                let outcome = Peers.zapOutcome(zap)
                if case .reply(let reply) = outcome, reply.admits { admitted = true }
                guard let resumed = try? mechanism.resume(with: outcome) else { return }
                step = resumed
            }
            if step.failure != nil { return }
            if mechanism.isComplete {
                let peer = mechanism.peer
                require(peer.map { socketType.isCompatible(with: $0.socketType) } ?? false, "complete without a fit peer")
                if asServer {
                    require(admitted && names.contains("INITIATE"), "the server completed without ZAP and INITIATE")
                } else {
                    require(names.contains("WELCOME") && names.last == "READY", "the client completed with \(names)")
                }
            }
        }
    }

    /// HELLO is `05 HELLO | u8 n | user | u8 m | password`: ZAP gets exactly those two.
    private static func requireCredentials(_ credentials: [Frame], from body: [UInt8]) {
        var input = FuzzInput(Array(body.dropFirst(6)))
        let user = input.piece()
        let password = input.piece()
        require(credentials == [Frame(user), Frame(password)], "ZAP credentials differ from HELLO's")
        require(input.isEmpty, "HELLO with bytes after the password was accepted")
    }
}
