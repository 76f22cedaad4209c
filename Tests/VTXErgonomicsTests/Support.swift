import VTX

/// A socket with a send and receive timeout, so that no test can hang.
func makeSocket(_ vtx: VTX, _ type: SocketType, timeout: Duration = .seconds(10)) throws -> Socket {
    let socket = try vtx.socket(type)
    socket.receiveTimeout = timeout
    socket.sendTimeout = timeout
    return socket
}

/// A unique inproc endpoint for a test.
func uniqueEndpoint(_ name: String = #function) -> String {
    "inproc://ergo-\(name.filter { $0.isLetter })-\(UInt64.random(in: 0...UInt64.max))"
}

/// A connected PUSH→PULL pair over inproc.
func makePushPull(_ vtx: VTX, name: String = #function) throws -> (push: Socket, pull: Socket) {
    let endpoint = uniqueEndpoint(name)
    let pull = try makeSocket(vtx, .pull)
    try pull.bind(endpoint)
    let push = try makeSocket(vtx, .push)
    try push.connect(endpoint)
    return (push, pull)
}
