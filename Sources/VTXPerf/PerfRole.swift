import VTX

/// One of the four roles of libzmq's perf tools (`local_thr`, `remote_thr`, `local_lat`, `remote_lat`), each run in
/// its own process and paired with its twin: ours or libzmq's.
///
/// | role | socket | endpoint | does | prints |
/// |---|---|---|---|---|
/// | `local-thr` | PULL | binds | receives COUNT messages of SIZE bytes | size, count, throughput in msg/s and Mb/s |
/// | `remote-thr` | PUSH | connects | sends COUNT messages of SIZE bytes, then waits until they are flushed | nothing |
/// | `local-lat` | REP | binds | echoes COUNT requests of SIZE bytes | nothing |
/// | `remote-lat` | REQ | connects | times COUNT round trips | size, round-trip count, one-way latency in µs, percentiles |
public enum PerfRole: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The receiving side of the throughput test (libzmq's `local_thr`).
    case localThroughput = "local-thr"
    /// The sending side of the throughput test (libzmq's `remote_thr`).
    case remoteThroughput = "remote-thr"
    /// The echoing side of the latency test (libzmq's `local_lat`).
    case localLatency = "local-lat"
    /// The timing side of the latency test (libzmq's `remote_lat`).
    case remoteLatency = "remote-lat"

    /// The name on the command line, such as `local-thr`.
    public var description: String { rawValue }

    /// The socket type the role uses.
    public var socketType: SocketType {
        switch self {
        case .localThroughput: .pull
        case .remoteThroughput: .push
        case .localLatency: .rep
        case .remoteLatency: .req
        }
    }

    /// Whether the role binds its endpoint (the `local-*` roles) rather than connecting to it.
    public var binds: Bool {
        self == .localThroughput || self == .localLatency
    }

    /// The role this one is paired with.
    public var twin: PerfRole {
        switch self {
        case .localThroughput: .remoteThroughput
        case .remoteThroughput: .localThroughput
        case .localLatency: .remoteLatency
        case .remoteLatency: .localLatency
        }
    }

    /// The smallest COUNT the role accepts: 2 for `local-thr`, whose clock starts at the first message; 1 otherwise.
    public var minimumCount: Int {
        self == .localThroughput ? 2 : 1
    }

    /// One sentence on what the role does, for help texts.
    public var summary: String {
        switch self {
        case .localThroughput:
            "PULL binds ENDPOINT, receives COUNT messages of SIZE bytes, prints the mean throughput"
        case .remoteThroughput:
            "PUSH connects to ENDPOINT, sends COUNT messages of SIZE bytes, waits until they are flushed"
        case .localLatency:
            "REP binds ENDPOINT and echoes COUNT requests of SIZE bytes"
        case .remoteLatency:
            "REQ connects to ENDPOINT, times COUNT round trips, prints the average one-way latency and its percentiles"
        }
    }
}
