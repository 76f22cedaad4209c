import Foundation
import Testing
import VTXCore
import VTXSecurity

/// Certificates VTX writes, read back by pyzmq's `zmq.auth.load_certificate` (czmq's format, as libzmq users load
/// it), when python3 with pyzmq is installed (`scripts/bootstrap.sh` installs it).
@Suite(.enabled(if: Pyzmq.python != nil, "python3 with pyzmq is not installed"), .timeLimit(.minutes(1)))
struct PyzmqCertificateTests {
    @Test("pyzmq loads both files VTX saves, with the same keys")
    func pyzmqLoadsVTXCertificates() throws {
        let python = try #require(Pyzmq.python)
        let directory = NSTemporaryDirectory() + "vtx-pyzmq-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let certificate = Certificate.generate(metadata: ["name": "VTX"])
        try certificate.save(publicPath: directory + "/c", secretPath: directory + "/c_secret")
        let script = """
            import sys, zmq.auth
            for path in sys.argv[1:]:
                public, secret = zmq.auth.load_certificate(path)
                print(public.decode(), secret.decode() if secret else "-")
            """
        let result = try Pyzmq.run(python, ["-c", script, directory + "/c_secret", directory + "/c"])
        #expect(result.status == 0)
        let secretKey = try #require(certificate.secretKey)
        #expect(result.output == "\(certificate.publicKey.z85) \(secretKey.z85)\n\(certificate.publicKey.z85) -\n")
    }
}

/// python3 with pyzmq, run as a child process.
enum Pyzmq {
    /// The python3 that can import `zmq.auth`, or `nil`.
    static let python: String? = {
        for path in ["/usr/bin/python3", "/usr/local/bin/python3"] where FileManager.default.isExecutableFile(atPath: path) {
            if (try? run(path, ["-c", "import zmq.auth"]))?.status == 0 { return path }
        }
        return nil
    }()

    /// Runs `path` with `arguments` to the end; its status and standard output.
    static func run(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
