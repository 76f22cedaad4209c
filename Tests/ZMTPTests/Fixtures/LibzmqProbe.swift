import Dispatch
import Foundation

/// Runs real libzmq (through pyzmq) against a raw ZMTP peer over loopback TCP and returns what libzmq sent.
///
/// The checked-in `LibzmqCaptures.swift` was made with this script and pyzmq 25.1.2 (libzmq 4.3.4). To regenerate
/// it, write ``script`` to `probe.py` and run `python3 probe.py --swift > LibzmqCaptures.swift`. The script only
/// uses 127.0.0.1 and bounds every wait (about 5 s per capture at most).
enum LibzmqProbe {
    /// The Python 3 capture script. Without arguments it prints the captures as JSON (hex strings).
    static let script = #"""
    # Captures what real libzmq puts on the wire, talking to it over loopback TCP as a raw ZMTP 3.x peer.
    # Needs pyzmq (pyzmq 25.1.2 bundles libzmq 4.3.4). Loopback only; every wait is bounded.
    import json, socket, sys, time
    import zmq

    def greeting(minor):
        return b"\xff" + b"\x00" * 7 + b"\x01" + b"\x7f" + bytes([3, minor]) + b"NULL".ljust(20, b"\x00") + b"\x00" * 32

    def ready(socket_type):
        body = b"\x05READY" + b"\x0bSocket-Type" + len(socket_type).to_bytes(4, "big") + socket_type
        return b"\x04" + bytes([len(body)]) + body

    def capture(zmq_type, peer_type, minor=1, options=(), subscribe=(), act=None, settle=0.4):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(5)
        ctx = zmq.Context()
        sock = ctx.socket(zmq_type)
        sock.setsockopt(zmq.LINGER, 0)
        for option, value in options:
            sock.setsockopt(option, value)
        for topic in subscribe:
            sock.setsockopt(zmq.SUBSCRIBE, topic)
        sock.connect("tcp://127.0.0.1:%d" % listener.getsockname()[1])
        conn, _ = listener.accept()
        conn.sendall(greeting(minor) + ready(peer_type))
        received = bytearray()
        conn.settimeout(0.05)
        deadline = time.monotonic() + 5
        acted = act is None
        idle_since = time.monotonic()
        while time.monotonic() < deadline:
            try:
                chunk = conn.recv(1 << 20)
                if not chunk:
                    break
                received += chunk
                idle_since = time.monotonic()
            except socket.timeout:
                pass
            if not acted and len(received) >= 64:
                time.sleep(0.1)  # let libzmq see our READY first
                act(sock)
                acted = True
                idle_since = time.monotonic()
            if acted and time.monotonic() - idle_since > settle:
                break
        conn.close()
        listener.close()
        sock.close()
        ctx.term()
        return bytes(received)

    def dealer_messages(sock):
        sock.send_multipart([b"", b"Hello"])
        sock.send(b"")
        sock.send(b"x" * 255)
        sock.send(b"y" * 256)
        sock.send(bytes(i % 251 for i in range(3000)))

    def unsubscribe(sock):
        time.sleep(0.1)
        sock.setsockopt(zmq.UNSUBSCRIBE, b"A")

    def captures():
        return {
            "libzmq": zmq.zmq_version(),
            "dealer": capture(zmq.DEALER, b"ROUTER", options=[(zmq.ROUTING_ID, b"abc")], act=dealer_messages),
            "sub31": capture(zmq.SUB, b"PUB", subscribe=[b"A", b"", b"t" * 250], act=unsubscribe),
            "sub30": capture(zmq.SUB, b"PUB", minor=0, subscribe=[b"A", b""], act=unsubscribe),
            "ping": capture(zmq.DEALER, b"ROUTER", options=[(zmq.HEARTBEAT_IVL, 100), (zmq.HEARTBEAT_TTL, 500)],
                            settle=0.5),
        }

    def deliver(kind, handshake, data, expect):
        # The other direction: a raw peer sends `handshake` (greeting + READY) to a bound libzmq socket, waits for
        # libzmq's greeting and READY, then sends `data`; returns the messages the libzmq socket received.
        ctx = zmq.Context()
        sock = ctx.socket(getattr(zmq, kind))
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.RCVTIMEO, 2000)
        port = sock.bind_to_random_port("tcp://127.0.0.1")
        conn = socket.create_connection(("127.0.0.1", port), timeout=5)
        conn.sendall(handshake)
        received = b""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not (len(received) >= 66 and len(received) >= 66 + received[65]):
            chunk = conn.recv(4096)
            if not chunk:
                break
            received += chunk
        conn.sendall(data)
        messages = []
        for _ in range(expect):
            try:
                messages.append([frame.hex() for frame in sock.recv_multipart()])
            except zmq.Again:
                break
        conn.close()
        sock.close()
        ctx.term()
        return messages

    if __name__ == "__main__":
        if "--deliver" in sys.argv:
            kind, handshake, data, expect = sys.argv[sys.argv.index("--deliver") + 1:][:4]
            print(json.dumps(deliver(kind, bytes.fromhex(handshake), bytes.fromhex(data), int(expect))))
            sys.exit(0)
        result = captures()
        if "--swift" in sys.argv:
            print("// Generated by `python3 probe.py --swift` (the script is LibzmqProbe.script); do not edit.")
            print("// What libzmq %s sent to a raw ZMTP peer over loopback TCP." % result["libzmq"])
            print("enum LibzmqCaptures {")
            print("    static let libzmqVersion = %s" % json.dumps(result["libzmq"]))
            for key in ("dealer", "sub31", "sub30", "ping"):
                data = result[key].hex()
                print('    static let %s = hex("""' % key)
                for i in range(0, len(data), 100):
                    print("        " + data[i:i + 100])
                print('        """)')
            print("}")
        else:
            print(json.dumps({k: (v.hex() if isinstance(v, bytes) else v) for k, v in result.items()}))
    """#

    /// Whether `python3` can import `zmq` here.
    static let isAvailable: Bool = (try? run(["-c", "import zmq"]))?.status == 0

    /// Runs the script and returns each capture's bytes by name (`dealer`, `sub31`, `sub30`, `ping`) and the
    /// libzmq version under `libzmq` (as UTF-8 bytes).
    static func capture() throws -> [String: [UInt8]] {
        guard let json = try runScript([]) as? [String: String] else { throw ProbeError.unexpectedOutput }
        var result: [String: [UInt8]] = [:]
        for (key, value) in json {
            result[key] = key == "libzmq" ? Array(value.utf8) : hex(value)
        }
        return result
    }

    /// Binds a libzmq socket of `kind` (`"ROUTER"`, `"XPUB"`, …) on loopback, sends it `handshake`, waits for its
    /// greeting and READY, sends `data`, and returns up to `expect` messages the libzmq socket received.
    static func deliver(kind: String, handshake: [UInt8], data: [UInt8], expect: Int) throws -> [[[UInt8]]] {
        let arguments = ["--deliver", kind, hexString(handshake), hexString(data), String(expect)]
        guard let json = try runScript(arguments) as? [[String]] else { throw ProbeError.unexpectedOutput }
        return json.map { $0.map(hex) }
    }

    /// Writes the script to a fresh temporary file, runs it with `arguments` and parses its JSON output.
    private static func runScript(_ arguments: [String]) throws -> Any {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vtx-zmtp-probe-\(UUID().uuidString).py")
        try script.write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let (status, output) = try run([path.path] + arguments)
        guard status == 0 else { throw ProbeError.failed(status) }
        return try JSONSerialization.jsonObject(with: output)
    }

    private static func hexString(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    enum ProbeError: Error {
        case failed(Int32)
        case unexpectedOutput
    }

    /// Runs `python3` with `arguments`, killing it after 45 seconds; returns its exit status and standard output.
    private static func run(_ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 45, execute: watchdog)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return (process.terminationStatus, data)
    }
}
