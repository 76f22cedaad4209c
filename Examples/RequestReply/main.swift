// Request-reply over inproc: a REP worker thread answers a REQ client.
//
// Run with `swift run request-reply`.
import Foundation
import VTX

let vtx = VTX()
let server = try vtx.socket(.rep)
try server.bind("inproc://greeter")

let worker = Thread {
    do {
        for _ in 0..<3 {
            let request = try server.receive()
            let name = request.first?.string ?? "?"
            try server.send(Message("Hello, \(name)!"))
        }
    } catch {
        print("server: \(error)")
    }
}
worker.start()

let client = try vtx.socket(.req)
client.receiveTimeout = .seconds(5)
try client.connect("inproc://greeter")
for name in ["Ada", "Grace", "Linus"] {
    try client.send(Message(name))
    let reply = try client.receive()
    print("client sent \(name), got: \(reply.first?.string ?? "")")
}
client.close()
vtx.shutdown()
