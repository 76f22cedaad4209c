// An echo server run by swift-service-lifecycle: SIGTERM or SIGINT (Ctrl-C) stops it gracefully. The echo
// service finishes first and closes its socket; then the manager shuts down, sending what was queued within
// each socket's linger.
//
//     swift run lifecycle-server tcp://127.0.0.1:5555
//     echo hello | vtx cat --type req --connect tcp://127.0.0.1:5555
import Logging
import ServiceLifecycle
import UnixSignals
import VTX
import VTXServiceLifecycle

var logger = Logger(label: "lifecycle-server")
logger.logLevel = .info
let endpoint = CommandLine.arguments.dropFirst().first ?? "tcp://127.0.0.1:5555"
let manager = VTX(logger: logger)
let group = ServiceGroup(
    configuration: .init(
        services: [
            // Shut down in reverse order: the echo server first, then the manager.
            .init(service: VTXService(manager)),
            .init(service: EchoServer(manager: manager, endpoint: endpoint, logger: logger)),
        ],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger
    )
)
try await group.run()
logger.info("stopped")
