import Foundation
import Testing
import VTX
import VTXTestSupport

/// A large message costs about its own size on each side, not two or three times it (issue 14, finding 6 and
/// item 8; issue 15, item 3): VTX sends a 256 MiB message to libzmq, and receives one from it, while the test
/// watches this process's peak RSS (`VmHWM`, reset before each transfer). libzmq's side runs in its own process,
/// so only VTX's side is counted.
@Suite(
    "Large messages: peak memory", .timeLimit(.minutes(2)), .serialized,
    .enabled(if: LibzmqRuntime.current != nil, Comment(rawValue: LibzmqRuntime.skipReason))
)
struct LargeMessageMemoryTests {
    static let size = 256 << 20
    /// The most the peak may rise above the RSS before the transfer, as a multiple of the message's size (the
    /// message itself counts once).
    static let allowedRatio = 1.25

    /// A libzmq peer in python: binds `type` on a random loopback port and prints it, then runs `body`.
    static func peer(_ type: String, _ body: String) throws -> (ChildProcess, String) {
        let runtime = try #require(LibzmqRuntime.current)
        let script = """
            import sys, zmq
            context = zmq.Context()
            socket = context.socket(zmq.\(type))
            port = socket.bind_to_random_port("tcp://127.0.0.1")
            print(port, flush=True)
            \(body)
            """
        let child = try ChildProcess(runtime.python, ["-c", script], name: "libzmq \(type)")
        let port = try child.nextLine(timeout: .seconds(20))
        return (child, "tcp://127.0.0.1:\(port)")
    }

    static func expectPeak(_ peak: Int, above baseline: Int, what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let ratio = Double(peak - baseline) / Double(size)
        #expect(
            ratio <= allowedRatio,
            "\(what): peak RSS rose \(ProcessMemory.describe(peak - baseline)) for a \(ProcessMemory.describe(size)) message (\(String(format: "%.2f", ratio))×)",
            sourceLocation: sourceLocation
        )
    }

    @Test("sending 256 MiB to libzmq")
    func send() async throws {
        let (child, endpoint) = try Self.peer("PULL", """
            frame = socket.recv(copy=False)
            view = frame.buffer
            print(len(view), view[0], view[len(view) - 1], flush=True)
            """)
        defer { child.kill() }
        let vtx = VTX()
        defer { vtx.shutdown() }
        let push = try vtx.socket(.push)
        defer { push.close() }
        try push.connect(endpoint)
        let (baseline, peak, line) = try await onOwnThread { () throws -> (Int, Int, String) in
            ProcessMemory.releaseFreeMemory()
            ProcessMemory.resetPeak()
            let baseline = ProcessMemory.resident() ?? 0
            let frame = Frame(count: Self.size) { bytes in
                bytes.initializeMemory(as: UInt8.self, repeating: 0x5A)
                bytes[0] = 1
                bytes[Self.size - 1] = 2
            }
            try push.send(Message(frame))
            let line = try child.nextLine(timeout: .seconds(60))
            return (baseline, ProcessMemory.peakResident() ?? 0, line)
        }
        #expect(line == "\(Self.size) 1 2", "libzmq received: \(line)")
        Self.expectPeak(peak, above: baseline, what: "sending")
    }

    @Test("receiving 256 MiB from libzmq")
    func receive() async throws {
        let (child, endpoint) = try Self.peer("PUSH", """
            payload = bytearray(b"\\x5a") * \(Self.size)
            payload[0] = 1
            payload[-1] = 2
            socket.send(payload, copy=False)
            sys.stdin.readline()
            """)
        defer { child.kill() }
        let vtx = VTX()
        defer { vtx.shutdown() }
        let pull = try vtx.socket(.pull)
        defer { pull.close() }
        pull.receiveTimeout = .seconds(60)
        let (baseline, peak, summary) = try await onOwnThread { () throws -> (Int, Int, [Int]) in
            ProcessMemory.releaseFreeMemory()
            ProcessMemory.resetPeak()
            let baseline = ProcessMemory.resident() ?? 0
            try pull.connect(endpoint)
            let message = try pull.receive()
            let peak = ProcessMemory.peakResident() ?? 0
            let frame = message[0]
            let summary = frame.withUnsafeBytes { [message.count, $0.count, Int($0[0]), Int($0[$0.count - 1])] }
            return (baseline, peak, summary)
        }
        child.closeInput()
        #expect(summary == [1, Self.size, 1, 2])
        Self.expectPeak(peak, above: baseline, what: "receiving")
    }
}
