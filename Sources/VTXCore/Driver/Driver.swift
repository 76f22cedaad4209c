/// A transport: the plug-in point of VTX, as small as swift-log's `LogHandler`.
///
/// A driver moves whole messages between the network (or whatever it reaches) and the pipes of the peers it
/// attaches. It knows nothing of socket semantics: the core routes, load-balances, filters subscriptions, keeps
/// high-water marks, checks socket-type compatibility and decides the reconnect policy.
///
/// The life of a driver:
/// 1. ``start(_:)`` once, when it is registered: start the driver's own thread (``DriverThread`` is a ready one).
/// 2. ``handle(_:)`` for each command on the control channel, called from socket threads: move the command to
///    the driver's thread, answer on the ``DriverEndpoint`` with ``DriverEndpoint/report(_:)``, and call
///    ``DriverEndpoint/attach(peer:sink:)`` for every peer that connects. Drain the returned pipe with
///    ``MessagePipe/read()`` when its sink reports ``PipeEvent/readable``; write what arrives with ``MessagePipe/write(_:)`` and
///    ``MessagePipe/flush()``; close it when the connection ends.
/// 3. ``shutdown()`` once, when the manager shuts down: close everything, honouring each endpoint's linger, and
///    join the thread.
public protocol Driver: AnyObject, Sendable {
    /// What the transport can do.
    var capabilities: DriverCapabilities { get }

    /// Starts the driver (its thread, its event loop).
    ///
    /// - Parameter context: the scheme the driver was registered for and a logger.
    /// - Throws: ``VTXError`` when the driver cannot start; the registration then fails with that error.
    func start(_ context: DriverContext) throws(VTXError)

    /// Receives a command on the control channel. Called from any thread; must not block.
    func handle(_ command: DriverCommand)

    /// Closes every endpoint and connection, honouring linger, and stops the driver's thread. Called once.
    func shutdown()
}
