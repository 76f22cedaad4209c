#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import VTXCore

extension Channel {
    /// Applies an endpoint's TCP options to a connected channel: `TCP_NODELAY` always, and the keep-alive
    /// settings the socket asked for. Runs on the channel's loop.
    func applyTCPOptions(_ options: EndpointOptions) -> EventLoopFuture<Void> {
        var settings: [(ChannelOptions.Types.SocketOption, SocketOptionValue)] = [
            (.socketOption(.tcp_nodelay), 1)
        ]
        if let keepAlive = options.tcpKeepAlive {
            settings.append((.socketOption(.so_keepalive), keepAlive ? 1 : 0))
        }
        #if os(Linux)
        if let count = options.tcpKeepAliveCount {
            settings.append((ChannelOptions.Types.SocketOption(level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_KEEPCNT)), SocketOptionValue(count)))
        }
        if let idle = options.tcpKeepAliveIdle {
            settings.append((ChannelOptions.Types.SocketOption(level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_KEEPIDLE)), SocketOptionValue(max(1, idle.components.seconds))))
        }
        if let interval = options.tcpKeepAliveInterval {
            settings.append((ChannelOptions.Types.SocketOption(level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_KEEPINTVL)), SocketOptionValue(max(1, interval.components.seconds))))
        }
        #endif
        var future = eventLoop.makeSucceededVoidFuture()
        for (option, value) in settings {
            future = future.flatMap { self.setOption(option, value: value) }
        }
        return future
    }
}
