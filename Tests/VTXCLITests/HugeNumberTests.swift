import Testing
import VTXTestSupport

/// Numbers at the edge on the command line: each is one clear line and status 64, never a trap (before the fix,
/// `--timeout 1e18` and `--duration 1e308` died converting to Int64, and a SIZE of 10^14 bytes aborted allocating).
@Suite(.timeLimit(.minutes(1)))
struct HugeNumberTests {
    @Test("a huge number is a usage error", arguments: [
        (["cat", "--type", "pull", "--bind", "tcp://127.0.0.1:*", "--timeout", "1e18"], "--timeout must be at most"),
        (["cat", "--type", "pull", "--bind", "tcp://127.0.0.1:*", "--timeout", "1e308"], "--timeout must be at most"),
        (["cat", "--type", "pull", "--bind", "tcp://127.0.0.1:*", "--timeout", "nan"], "--timeout must be more than 0"),
        (["monitor", "bind:tcp://127.0.0.1:0", "--type", "pull", "--duration", "1e308"], "--duration must be at most"),
        (["perf", "remote-thr", "tcp://127.0.0.1:9", "99999999999999", "1"], "SIZE must be at most"),
        (["perf", "local-lat", "tcp://127.0.0.1:9", "1", "2", "--progress-after", "1e300"], "--progress-after must be at most"),
        (["discover", "--port", "5999", "--timeout", "1e308"], "--timeout must be at most"),
        (["beacon", "--port", "5999", "--payload", "x", "--duration", "1e308"], "--duration must be at most"),
        (["beacon", "--port", "5999", "--payload", "x", "--interval", "99999999999"], "--interval must be 1 to"),
    ])
    func hugeNumber(_ arguments: [String], _ expected: String) throws {
        let run = try Tool.run(arguments)
        expectOneLineFailure(run, status: 64, containing: expected)
    }
}
