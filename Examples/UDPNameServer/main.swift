// The original VTX's name-server dialogue (seed 003), over VTX's udp driver: the client finds the server anywhere on
// the LAN by broadcasting on port 32000.
//
//   swift run udp-name-server server [--port P]              # a REP server bound to udp://*:P
//   swift run udp-name-server client [--port P] [--count N]  # a REQ client connected to udp://*:P
//
// The client asks "hello?" once a second until a server answers "ack" (lazy pirate: a request that got no answer
// is abandoned with its socket, and a fresh socket broadcasts again), then stops after N answers (default 1).
// Broadcasts go out on the interface named by VTX_INTERFACE (for example lo, which broadcasts to 127.255.255.255).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import VTX

/// Prints a line at once, also into a pipe.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
var arguments = Array(CommandLine.arguments.dropFirst())
let role = arguments.isEmpty ? "help" : arguments.removeFirst()
var port = 32000
var count = 1
while arguments.count >= 2 {
    let (name, value) = (arguments.removeFirst(), arguments.removeFirst())
    switch name {
    case "--port": port = Int(value) ?? port
    case "--count": count = Int(value) ?? count
    default: break
    }
}
let vtx = VTX()

do {
    switch role {
    case "server":
        let server = try vtx.socket(.rep)
        try server.bind("udp://*:\(port)")
        say("server: listening on udp://*:\(port)")
        while true {
            let request = try server.receive()
            say(request.first?.string ?? "?")
            try server.send(Message("ack"))
        }
    case "client":
        var answers = 0
        while answers < count {
            let client = try vtx.socket(.req)
            client.linger = .zero
            try client.connect("udp://*:\(port)")
            say("hello?")
            try client.send(Message("hello?"))
            if let reply = try? client.receive(timeout: .seconds(1)) {
                say(reply.first?.string ?? "?")
                answers += 1
            }
            client.close()
        }
    default:
        say("usage: udp-name-server server|client [--port P] [--count N]")
        exit(2)
    }
} catch {
    say("udp-name-server: \(error)")
    exit(1)
}
vtx.shutdown()
