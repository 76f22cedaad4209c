// Request-reply over TCP, compatible with libzmq peers.
//
//   swift run tcp-request-reply                      # server and client in one process (the demo)
//   swift run tcp-request-reply server [ENDPOINT]     # a REP echo server (default tcp://127.0.0.1:5555)
//   swift run tcp-request-reply client [ENDPOINT]     # a REQ client sending three requests
//
// Against libzmq (pyzmq), either way round:
//   python3 -c "import zmq; s = zmq.Context().socket(zmq.REQ); s.connect('tcp://127.0.0.1:5555'); \
//               s.send(b'Ada'); print(s.recv())"
//   python3 -c "import zmq; s = zmq.Context().socket(zmq.REP); s.bind('tcp://127.0.0.1:5555'); \
//               [s.send(b'Hello, ' + s.recv()) for _ in range(3)]"
import Foundation
import VTX

let arguments = CommandLine.arguments.dropFirst()
let role = arguments.first ?? "both"
let endpoint = arguments.dropFirst().first ?? "tcp://127.0.0.1:5555"
let vtx = VTX()

func serve(_ server: Socket, requests: Int?) throws {
    var served = 0
    while requests.map({ served < $0 }) ?? true {
        let request = try server.receive()
        let name = request.last?.string ?? "?"
        print("server: request from a \(request.property("Socket-Type") ?? "?") peer: \(name)")
        try server.send(Message("Hello, \(name)"))
        served += 1
    }
}

func ask(_ client: Socket, names: [String]) throws {
    for name in names {
        try client.send(Message(name))
        print("client: \(name) -> \(try client.receive().first?.string ?? "")")
    }
}

do {
    switch role {
    case "server":
        let server = try vtx.socket(.rep)
        try server.bind(endpoint)
        print("server: listening on \(server.lastEndpoint ?? endpoint)")
        try serve(server, requests: nil)
    case "client":
        let client = try vtx.socket(.req)
        client.receiveTimeout = .seconds(5)
        try client.connect(endpoint)
        try ask(client, names: ["Ada", "Grace", "Linus"])
    default:
        let server = try vtx.socket(.rep)
        server.receiveTimeout = .seconds(5)
        try server.bind("tcp://127.0.0.1:*")
        let bound = server.lastEndpoint!
        print("server: listening on \(bound)")
        let thread = Thread { try? serve(server, requests: 3) }
        thread.start()
        let client = try vtx.socket(.req)
        client.receiveTimeout = .seconds(5)
        try client.connect(bound)
        try ask(client, names: ["Ada", "Grace", "Linus"])
        client.close()
    }
} catch {
    print("error: \(error)")
    exit(1)
}
vtx.shutdown()
