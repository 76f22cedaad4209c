import VTX

/// What a run may do beyond libzmq's three arguments.
public struct PerfOptions: Sendable {
    /// Called on the measuring thread about every ``progressInterval`` while messages flow; `nil` for no reports.
    /// With it, the roles run their loops in chunks of 256 messages and read the clock between chunks; without
    /// it, each role is one loop with nothing else in it.
    public var progress: (@Sendable (PerfProgress) -> Void)?
    /// How often ``progress`` is called.
    public var progressInterval: Duration
    /// A counter of heap allocations (such as vtx-bench's preloaded malloc counter), read before and after the
    /// measured messages (for `remote-thr`, after the shutdown has flushed them); when given, the report has
    /// ``PerfReport/allocationsPerMessage``.
    public var allocationCounter: (@Sendable () -> UInt64)?
    /// Called with the socket after it is made and before it binds or connects, to set options.
    public var configure: (@Sendable (Socket) -> Void)?
    /// Called once the socket is bound or connected, with the endpoint as resolved (the real port of `tcp://…:*`),
    /// before any message moves.
    public var ready: (@Sendable (String) -> Void)?
    /// The manager to make the socket with (vtx-bench's, with its tls driver registered); `nil` for a new one.
    /// The run shuts it down when it ends, either way.
    public var manager: VTX?
    /// `remote-thr`: after its messages are queued and its connection is up, how long it waits at most for the
    /// receiver to hang up before it shuts down; `nil` not to wait. libzmq's receiver drops what is still in the
    /// kernel when the sender's connection ends under it over ipc (libzmq issue #4660), so the benchmarks wait.
    public var hangUpWait: Duration?

    /// Options with no progress reports, no allocation counting, libzmq's socket defaults and no callbacks.
    public init(
        progress: (@Sendable (PerfProgress) -> Void)? = nil,
        progressInterval: Duration = .milliseconds(250),
        allocationCounter: (@Sendable () -> UInt64)? = nil,
        configure: (@Sendable (Socket) -> Void)? = nil,
        ready: (@Sendable (String) -> Void)? = nil,
        manager: VTX? = nil,
        hangUpWait: Duration? = nil
    ) {
        self.progress = progress
        self.progressInterval = progressInterval
        self.allocationCounter = allocationCounter
        self.configure = configure
        self.ready = ready
        self.manager = manager
        self.hangUpWait = hangUpWait
    }
}
