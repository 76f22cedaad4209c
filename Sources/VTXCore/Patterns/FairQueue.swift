/// Reads whole messages from a set of pipes in turn, one message per pipe, skipping pipes that are dry
/// (libzmq's `fq_t`).
struct FairQueue {
    private var members = PipeSet(slot: .fairQueue)
    private var current = 0
    /// Pipes found closed and drained, removed from the queue; the owner detaches them after the call.
    var drained: [MessagePipe] = []

    mutating func attach(_ pipe: MessagePipe) { members.append(pipe) }

    mutating func activated(_ pipe: MessagePipe) { members.activate(pipe) }

    mutating func remove(_ pipe: MessagePipe) {
        members.remove(pipe)
        if current >= members.active { current = 0 }
    }

    /// Reads the next message into `message`, stamped with its pipe's metadata, and returns that pipe (not
    /// retained: the caller uses it before it next changes the queue); `nil` when no pipe has one. Pipes whose
    /// peer has closed and which are drained are removed and passed to `drained`. (Filling in place and returning
    /// only the pipe avoids copying a `(Message, MessagePipe)` tuple through runtime metadata on every receive,
    /// and the unretained pipe saves a retain and a release per message.)
    @inline(__always)
    mutating func receive(into message: inout Message) -> Unmanaged<MessagePipe>? {
        while members.active > 0 {
            let pipe = members.unretained(current)
            if pipe._withUnsafeGuaranteedRef({ $0.readStamped(into: &message) }) {
                current += 1
                if current >= members.active { current = 0 }
                return pipe
            }
            retire(pipe.takeUnretainedValue())
        }
        return nil
    }

    /// Takes a dry pipe out of the rotation: removed if its peer has closed, else deactivated until it is
    /// readable again.
    private mutating func retire(_ pipe: MessagePipe) {
        if pipe.isPeerClosed {
            remove(pipe)
            drained.append(pipe)
        } else {
            members.deactivate(pipe)
            if current >= members.active { current = 0 }
        }
    }

    /// Whether some pipe has a message now (dry pipes are deactivated as a side effect).
    mutating func hasIn() -> Bool {
        while members.active > 0 {
            let pipe = members[current]
            if pipe.checkRead() { return true }
            retire(pipe)
        }
        return false
    }
}
