import Logging

/// What the manager gives a driver when it starts it.
public struct DriverContext: Sendable {
    /// The scheme the driver was registered for.
    public let scheme: String
    /// A logger labelled for this driver.
    public let logger: Logger

    /// Makes a context.
    public init(scheme: String, logger: Logger) {
        self.scheme = scheme
        self.logger = logger
    }
}
