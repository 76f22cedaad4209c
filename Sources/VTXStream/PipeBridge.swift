import NIOCore
import Synchronization
import VTXCore

/// Carries a driver-side pipe's events onto the driver's event loop, to whichever engine currently serves the pipe.
///
/// A connect keeps its pipe across reconnects, so the engine behind the bridge changes; events that arrive while
/// no engine is attached are remembered and replayed when one is. `readable` events are coalesced: at most one
/// drain is scheduled at a time.
final class PipeBridge: PipeEventSink, @unchecked Sendable {
    private let loop: any EventLoop
    // Loop-confined.
    private var engine: ZMTPEngine?
    private var missedReadable = false
    private var missedWritable = false
    private var missedClosed = false
    private let drainScheduled = Atomic<Bool>(false)

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// Points the bridge at `engine` (on the loop), replaying what it missed.
    func attach(_ engine: ZMTPEngine) {
        loop.preconditionInEventLoop()
        self.engine = engine
        if missedWritable { missedWritable = false; engine.pipeBecameWritable() }
        if missedReadable { missedReadable = false; engine.drainOutbound() }
        if missedClosed { missedClosed = false; engine.pipeClosedBySocket() }
    }

    /// Stops delivering to `engine` (on the loop).
    func detach(_ engine: ZMTPEngine) {
        loop.preconditionInEventLoop()
        if self.engine === engine { self.engine = nil }
    }

    func pipe(_ pipe: MessagePipe, didSignal event: PipeEvent) {
        switch event {
        case .readable:
            guard !drainScheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
            loop.execute { [self] in
                drainScheduled.store(false, ordering: .releasing)
                if let engine { engine.drainOutbound() } else { missedReadable = true }
            }
        case .writable:
            loop.execute { [self] in
                if let engine { engine.pipeBecameWritable() } else { missedWritable = true }
            }
        case .closed:
            loop.execute { [self] in
                if let engine { engine.pipeClosedBySocket() } else { missedClosed = true }
            }
        }
    }
}
