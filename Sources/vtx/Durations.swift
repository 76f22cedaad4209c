extension Duration {
    /// A duration given on the command line in seconds (such as `--timeout 0.5`), to the millisecond, rounded up.
    init(commandLineSeconds seconds: Double) {
        self = .milliseconds(Int64((seconds * 1000).rounded(.up)))
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
