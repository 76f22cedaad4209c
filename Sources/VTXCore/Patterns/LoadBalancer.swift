/// Sends each whole message to the next pipe in turn that has room (libzmq's `lb_t`). Full pipes are members aside
/// until they report ``PipeEvent/writable``.
struct LoadBalancer {
    private var members = PipeSet(slot: .loadBalancer)
    private var current = 0

    mutating func attach(_ pipe: MessagePipe) { members.append(pipe) }

    mutating func activated(_ pipe: MessagePipe) { members.activate(pipe) }

    mutating func remove(_ pipe: MessagePipe) {
        members.remove(pipe)
        if current >= members.active { current = 0 }
    }

    /// Moves `message` into the next pipe with room and returns that pipe (not retained: the caller uses it
    /// before it next changes the balancer), or `nil` (leaving `message` as it was) when none has room.
    @inline(__always)
    mutating func send(_ message: inout Message) -> Unmanaged<MessagePipe>? {
        while members.active > 0 {
            let pipe = members.unretained(current)
            if pipe._withUnsafeGuaranteedRef({ $0.writeAndFlush(moving: &message) }) {
                current += 1
                if current >= members.active { current = 0 }
                return pipe
            }
            members.deactivate(pipe.takeUnretainedValue())
            if current >= members.active { current = 0 }
        }
        return nil
    }

    /// Whether some pipe has room now.
    mutating func hasOut() -> Bool {
        while members.active > 0 {
            let pipe = members[current]
            if pipe.checkWrite() { return true }
            members.deactivate(pipe)
            if current >= members.active { current = 0 }
        }
        return false
    }
}
