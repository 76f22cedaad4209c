import VTX

/// A failure the tool reports as one line on standard error, with an exit status.
struct ToolFailure: Error, CustomStringConvertible {
    /// The sentence printed after `vtx <command>: `.
    let message: String
    /// The exit status: ``runtimeStatus`` or ``usageStatus``.
    let status: Int32

    /// The status of a failure at run time (endpoint, socket, peer, timeout).
    static let runtimeStatus: Int32 = 1
    /// The status of a command line that cannot run (unknown type, bad option combination), as swift-argument-parser
    /// uses for its own validation errors (`EX_USAGE`).
    static let usageStatus: Int32 = 64

    /// The message.
    var description: String { message }

    /// A failure at run time.
    init(_ message: String) {
        self.message = message
        self.status = ToolFailure.runtimeStatus
    }

    private init(message: String, status: Int32) {
        self.message = message
        self.status = status
    }

    /// A command line that cannot run.
    static func usage(_ message: String) -> ToolFailure {
        ToolFailure(message: message, status: usageStatus)
    }

    /// A socket type named on the command line, in any letter case.
    static func socketType(named name: String) throws(ToolFailure) -> SocketType {
        guard let type = SocketType(name: name) else {
            let names = SocketType.allCases.map(\.name).joined(separator: ", ")
            throw .usage("unknown socket type '\(name)' (use one of \(names), in any letter case)")
        }
        return type
    }
}

extension VTXError {
    /// The error as a failure of `action` (such as `cannot bind 'tcp://*:5555'`).
    func failure(_ action: String) -> ToolFailure {
        switch code {
        case .addressInUse: ToolFailure("\(action): the address is already in use")
        default: ToolFailure("\(action): \(message)")
        }
    }
}
