/// Which index field of a ``MessagePipe`` a ``PipeSet`` uses, so one pipe can sit in several sets at once.
enum PipeSlot {
    case fairQueue
    case loadBalancer
    case distributor
}

/// An array of pipes split into an active prefix and an inactive rest, with O(1) activation, deactivation and
/// removal (each pipe remembers its position), after libzmq's `array_t`.
struct PipeSet {
    private(set) var pipes: [MessagePipe] = []
    private(set) var active = 0
    let slot: PipeSlot

    init(slot: PipeSlot) { self.slot = slot }

    @inline(__always)
    private func index(of pipe: MessagePipe) -> Int {
        switch slot {
        case .fairQueue: pipe.fairQueueIndex
        case .loadBalancer: pipe.loadBalancerIndex
        case .distributor: pipe.distributorIndex
        }
    }

    @inline(__always)
    private func setIndex(_ index: Int, of pipe: MessagePipe) {
        switch slot {
        case .fairQueue: pipe.fairQueueIndex = index
        case .loadBalancer: pipe.loadBalancerIndex = index
        case .distributor: pipe.distributorIndex = index
        }
    }

    var count: Int { pipes.count }

    func contains(_ pipe: MessagePipe) -> Bool {
        let i = index(of: pipe)
        return i >= 0 && i < pipes.count && pipes[i] === pipe
    }

    @inline(__always)
    subscript(i: Int) -> MessagePipe { pipes[i] }

    /// The pipe at `i` without a reference count of its own, for the send and receive loops: the set holds the
    /// pipe for as long as it is a member, and those loops use it only until they next change the set.
    @inline(__always)
    func unretained(_ i: Int) -> Unmanaged<MessagePipe> {
        pipes.withUnsafeBufferPointer { Unmanaged.passUnretained($0[i]) }
    }

    private mutating func swapAt(_ i: Int, _ j: Int) {
        guard i != j else { return }
        pipes.swapAt(i, j)
        setIndex(i, of: pipes[i])
        setIndex(j, of: pipes[j])
    }

    /// Adds a pipe, active.
    mutating func append(_ pipe: MessagePipe) {
        setIndex(pipes.count, of: pipe)
        pipes.append(pipe)
        swapAt(pipes.count - 1, active)
        active += 1
    }

    /// Moves a pipe into the active part (no-op if it is there or not in the set).
    mutating func activate(_ pipe: MessagePipe) {
        guard contains(pipe) else { return }
        let i = index(of: pipe)
        guard i >= active else { return }
        swapAt(i, active)
        active += 1
    }

    /// Moves a pipe into the inactive part.
    mutating func deactivate(_ pipe: MessagePipe) {
        guard contains(pipe) else { return }
        let i = index(of: pipe)
        guard i < active else { return }
        active -= 1
        swapAt(i, active)
    }

    /// Removes a pipe (no-op if absent).
    mutating func remove(_ pipe: MessagePipe) {
        guard contains(pipe) else { return }
        deactivate(pipe)
        let i = index(of: pipe)
        swapAt(i, pipes.count - 1)
        pipes.removeLast()
        setIndex(-1, of: pipe)
    }
}
