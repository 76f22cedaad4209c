import Foundation
import Testing
import VTX

/// A manager and sockets with a receive/send timeout, so that no test can hang.
func makeSocket(_ vtx: VTX, _ type: SocketType, timeout: Duration = .seconds(5)) throws -> Socket {
    let socket = try vtx.socket(type)
    socket.receiveTimeout = timeout
    socket.sendTimeout = timeout
    return socket
}

/// A unique inproc endpoint for a test.
func uniqueEndpoint(_ name: String = #function) -> String {
    "inproc://\(name)-\(UInt64.random(in: 0...UInt64.max))"
}

extension Message {
    /// The frames as strings, for assertions.
    var strings: [String] { map { $0.string ?? $0.description } }
}

