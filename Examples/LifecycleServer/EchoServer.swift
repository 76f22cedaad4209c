import Logging
import ServiceLifecycle
import VTX

/// A REP socket that answers every request with the request itself, until graceful shutdown.
struct EchoServer: Service {
    let manager: VTX
    let endpoint: String
    let logger: Logger

    func run() async throws {
        let socket = try manager.socket(.rep)
        defer { socket.close() }
        try socket.bind(endpoint)
        logger.info("listening", metadata: ["endpoint": "\(socket.lastEndpoint ?? endpoint)"])
        // Graceful shutdown cancels the loop; the socket's message sequence then ends without taking a message.
        let answered = try await cancelWhenGracefulShutdown {
            var answered = 0
            for try await request in socket.messages {
                try await socket.send(request)
                answered += 1
            }
            return answered
        }
        logger.info("stopping", metadata: ["answered": "\(answered)"])
    }
}
