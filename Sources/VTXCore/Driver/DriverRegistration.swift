import Synchronization

/// One driver registered for one scheme, as the core holds it: the driver, and whether it has been shut down.
///
/// The core answers for a stopped driver: a bind or connect sent to it fails with ``VTXError/Code/terminated``
/// without reaching it, and a caller already waiting for its answer is woken with that error, so a driver never
/// has to answer commands after ``Driver/shutdown()``.
final class DriverRegistration: Sendable {
    let driver: any Driver
    let scheme: String
    private let stopped = Atomic<Bool>(false)

    init(driver: any Driver, scheme: String) {
        self.driver = driver
        self.scheme = scheme
    }

    /// Whether the driver has been (or is being) shut down.
    var isStopped: Bool { stopped.load(ordering: .acquiring) }

    /// Marks the driver stopped, before its ``Driver/shutdown()`` is called.
    func markStopped() { stopped.store(true, ordering: .releasing) }

    /// The error for a command the stopped driver can no longer carry out.
    var stoppedError: VTXError {
        VTXError(.terminated, "the '\(scheme)' driver has been shut down")
    }

    /// Sends a command to the driver unless it has stopped.
    func send(_ command: DriverCommand) {
        guard !isStopped else { return }
        driver.handle(command)
    }
}
