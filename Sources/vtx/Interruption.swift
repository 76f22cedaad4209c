import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT and SIGTERM into a call of `handler` on a background queue, so a long-running command (`monitor`,
/// `proxy`) can stop cleanly instead of dying; ``cancel()`` restores the default actions.
final class Interruption {
    private var sources: [any DispatchSourceSignal] = []

    /// Starts catching SIGINT and SIGTERM; each one calls `handler` on a global queue.
    init(_ handler: @escaping @Sendable () -> Void) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            sources.append(source)
        }
    }

    /// Stops catching the signals and restores their default actions.
    func cancel() {
        for source in sources { source.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    deinit { cancel() }
}
