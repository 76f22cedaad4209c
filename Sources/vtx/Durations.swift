extension Duration {
    /// The longest duration the command line takes, in seconds: about 31 years.
    static let commandLineLimit: Double = 1e9

    /// A duration given on the command line in seconds (such as `--timeout 0.5`), to the millisecond, rounded up;
    /// clamped to 0...``commandLineLimit`` (check the value first with ``init(commandLine:option:allowsZero:)``).
    init(commandLineSeconds seconds: Double) {
        let clamped = seconds.isNaN ? 0 : min(max(seconds, 0), Duration.commandLineLimit)
        self = .milliseconds(Int64((clamped * 1000).rounded(.up)))
    }

    /// A duration given on the command line in seconds, checked.
    ///
    /// - Throws: a usage ``ToolFailure`` naming `option` when the value is not a number, negative (or zero unless
    ///   `allowsZero`), or above ``commandLineLimit``.
    init(commandLine seconds: Double, option: String, allowsZero: Bool = false) throws(ToolFailure) {
        guard seconds.isFinite, allowsZero ? seconds >= 0 : seconds > 0 else {
            throw .usage("\(option) must be \(allowsZero ? "0 or more" : "more than 0") seconds, not \(seconds)")
        }
        guard seconds <= Duration.commandLineLimit else {
            throw .usage("\(option) must be at most \(Int(Duration.commandLineLimit)) seconds (about 31 years), not \(seconds)")
        }
        self.init(commandLineSeconds: seconds)
    }

    /// The duration in seconds.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// A duration for people: `2 s`, `0.5 s`, `1.234 s`.
func describe(_ duration: Duration?) -> String {
    guard let duration else { return "forever" }
    let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    if milliseconds % 1000 == 0 { return "\(milliseconds / 1000) s" }
    return "\(Double(milliseconds) / 1000) s"
}
