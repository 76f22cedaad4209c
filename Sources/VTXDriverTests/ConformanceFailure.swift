/// A failed conformance check: what the suite expected of the driver, and what happened instead.
///
/// `DriverConformance.run(_:)` throws it; its ``description`` is a sentence meant for
/// the driver author, such as `[tcp] reconnect: expected the new PULL to receive "after" within 5 seconds, but
/// receive threw timedOut: the operation timed out`.
public struct ConformanceFailure: Error, Sendable, CustomStringConvertible {
    /// The check that failed.
    public let check: DriverConformance.Check
    /// The scheme of the driver under test.
    public let scheme: String
    /// What the driver should have done.
    public let expected: String
    /// What it did instead.
    public let actual: String

    /// Makes a failure report.
    public init(check: DriverConformance.Check, scheme: String, expected: String, actual: String) {
        self.check = check
        self.scheme = scheme
        self.expected = expected
        self.actual = actual
    }

    /// `[scheme] check: expected …, but …`.
    public var description: String {
        "[\(scheme)] \(check): expected \(expected), but \(actual)"
    }
}
