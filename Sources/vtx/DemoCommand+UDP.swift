import VTX

extension Demo {
    /// The seed's name-server dialogue: a REP binds `udp://*:PORT`, a REQ connects to `udp://*:PORT` and finds it
    /// by broadcasting on loopback (127.255.255.255), whatever `VTX_INTERFACE` says.
    func udpDiscovery() throws {
        let server = try socket(.rep)
        try server.bind("udp://*:*")
        let port = server.lastEndpoint?.split(separator: ":").last.map(String.init) ?? "?"
        heading(6, "Discovery over udp://*:\(port): a REQ broadcasts on lo and finds the REP (the original VTX's name server)")
        let join = background {
            let request = try server.receive()
            try server.send(Message(request[0].string == "hello?" ? "ack" : "?"))
        }
        let client = try socket(.req)
        try client.connect("udp://*:\(port)?interface=lo")
        try client.send(Message("hello?"))
        let reply = try client.receive()
        say("   REQ broadcast \"hello?\", the REP at \(reply.property("Peer-Address") ?? "?") answered \"\(reply[0].string ?? "")\"")
        try join()
        client.close()
        server.close()
    }
}
