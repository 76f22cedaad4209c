import VTXCore

/// A conformance suite for VTX transport drivers: every messaging pattern, high-water marks and back-pressure,
/// multipart atomicity, close with linger, peer loss and reconnect, bad endpoints, incompatible socket types,
/// and shutdown with traffic in flight, run over one scheme.
///
/// A driver's tests describe how to make a manager with the driver registered and a bind endpoint, then run
/// every ``Check`` with whatever test framework they use:
///
/// ```swift
/// let conformance = DriverConformance(
///     scheme: "loop",
///     makeManager: {
///         let vtx = VTX(drivers: [:])
///         try vtx.register(LoopDriver(), for: "loop")
///         return vtx
///     },
///     makeBindEndpoint: { "loop://\($0)" }
/// )
///
/// @Test(arguments: DriverConformance.Check.allCases)
/// func loop(_ check: DriverConformance.Check) async throws {
///     try await conformance.run(check)
/// }
/// ```
///
/// Each check makes its own manager, closes its sockets and shuts the manager down when it ends, so checks are
/// independent and may run in parallel. Each runs on a dedicated thread (socket calls block), every socket call
/// has a timeout, and a check still running after ``timeLimit`` fails.
public struct DriverConformance: Sendable {
    /// The scheme of the driver under test, such as `"tcp"`.
    public let scheme: String
    /// What the transport legitimately lacks.
    public let features: Features
    /// Endpoints of this scheme that both `bind` and `connect` must reject (see ``Check/badEndpoints``), besides
    /// the malformed forms the suite makes itself.
    public let malformedEndpoints: [String]
    /// How long one check may run before it fails.
    public let timeLimit: Duration
    /// How long one socket call may wait for something that should happen.
    public let operationTimeout: Duration
    /// The default ``timeLimit``: 10 s, and three times that when the process runs under ThreadSanitizer.
    public static let defaultTimeLimit: Duration = SanitizerSlowdown.scaled(.seconds(10))
    /// The default ``operationTimeout``: 5 s, and three times that when the process runs under ThreadSanitizer.
    public static let defaultOperationTimeout: Duration = SanitizerSlowdown.scaled(.seconds(5))
    let makeManager: @Sendable () throws -> VTX
    let makeBindEndpoint: @Sendable (_ uniqueName: String) -> String

    /// Describes the driver under test.
    ///
    /// - Parameters:
    ///   - scheme: the scheme the driver is registered for.
    ///   - features: what the transport lacks, if anything; see ``Features``.
    ///   - malformedEndpoints: endpoints of the scheme that are malformed (such as `tcp://127.0.0.1` with no port).
    ///   - timeLimit: the most one check may take (normally one to three seconds); by default 10 s, 30 s under
    ///     ThreadSanitizer.
    ///   - operationTimeout: the most one socket call waits for an expected message or event; by default 5 s, 15 s
    ///     under ThreadSanitizer.
    ///   - makeManager: makes a fresh manager with the driver registered for `scheme`; called once per check,
    ///     which shuts it down at its end. An error it throws fails the check.
    ///   - makeBindEndpoint: a fresh endpoint to bind, given a name unique within the process (letters, digits
    ///     and `-`, at most 40 characters); it may use a wildcard (`tcp://127.0.0.1:*`): peers connect to the
    ///     socket's resolved ``Socket/lastEndpoint``.
    public init(
        scheme: String,
        features: Features = .all,
        malformedEndpoints: [String] = [],
        timeLimit: Duration = DriverConformance.defaultTimeLimit,
        operationTimeout: Duration = DriverConformance.defaultOperationTimeout,
        makeManager: @escaping @Sendable () throws -> VTX,
        makeBindEndpoint: @escaping @Sendable (_ uniqueName: String) -> String
    ) {
        self.scheme = scheme
        self.features = features
        self.malformedEndpoints = malformedEndpoints
        self.timeLimit = timeLimit
        self.operationTimeout = operationTimeout
        self.makeManager = makeManager
        self.makeBindEndpoint = makeBindEndpoint
    }

    /// Runs one check on a dedicated thread and waits (blocking the caller) for it to pass or fail.
    ///
    /// Call it from a thread that may block (XCTest, a command-line tool); from Swift concurrency, use the `async`
    /// overload with `await`, which does not block the cooperative pool.
    ///
    /// - Throws: ``ConformanceFailure`` when the driver does not behave as the check expects, when the check
    ///   outlives ``timeLimit``, or when `makeManager` throws.
    public func run(_ check: Check) throws(ConformanceFailure) {
        try CheckRun(check: check, conformance: self).waitBlocking()
    }

    /// Runs one check on a dedicated thread and suspends until it passes or fails.
    ///
    /// - Throws: as the blocking overload: ``ConformanceFailure`` when the driver does not behave as the check
    ///   expects, when the check outlives ``timeLimit``, or when `makeManager` throws.
    public func run(_ check: Check) async throws(ConformanceFailure) {
        try await CheckRun(check: check, conformance: self).wait()
    }

    /// Runs the body of one check on the calling thread.
    func perform(_ check: Check, in session: ConformanceSession) throws(ConformanceFailure) {
        switch check {
        case .requestReply: try checkRequestReply(session)
        case .dealerRouter: try checkDealerRouter(session)
        case .pair: try checkPair(session)
        case .publishSubscribe: try checkPublishSubscribe(session)
        case .xpubXsub: try checkXpubXsub(session)
        case .pushPull: try checkPushPull(session)
        case .highWaterMark: try checkHighWaterMark(session)
        case .multipart: try checkMultipart(session)
        case .closeWithLinger: try checkCloseWithLinger(session)
        case .closeWithZeroLinger: try checkCloseWithZeroLinger(session)
        case .reconnect: try checkReconnect(session)
        case .subscriptionReplay: try checkSubscriptionReplay(session)
        case .badEndpoints: try checkBadEndpoints(session)
        case .incompatibleTypes: try checkIncompatibleTypes(session)
        case .shutdownInFlight: try checkShutdownInFlight(session)
        }
    }
}
