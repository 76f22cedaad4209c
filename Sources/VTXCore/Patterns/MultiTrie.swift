/// Byte prefixes, each with the set of pipes subscribed to it, for a publisher's filter (libzmq's `mtrie_t`).
struct MultiTrie {
    private final class Node {
        var pipes: [MessagePipe] = []
        var keys: [UInt8] = []
        var children: [Node] = []

        func child(_ byte: UInt8) -> Node? {
            if let i = keys.firstIndex(of: byte) { return children[i] }
            return nil
        }
    }

    private var root = Node()
    private var topicsByPipe: [ObjectIdentifier: Set<Frame>] = [:]

    /// Subscribes `pipe` to `prefix`. Returns `true` when no pipe was subscribed to it before. A pipe subscribing
    /// twice counts once.
    @discardableResult
    mutating func add(_ prefix: Frame, for pipe: MessagePipe) -> Bool {
        var node = root
        prefix.withUnsafeBytes { bytes in
            for byte in bytes {
                if let next = node.child(byte) {
                    node = next
                } else {
                    let next = Node()
                    node.keys.append(byte)
                    node.children.append(next)
                    node = next
                }
            }
        }
        let wasEmpty = node.pipes.isEmpty
        if !node.pipes.contains(where: { $0 === pipe }) {
            node.pipes.append(pipe)
            topicsByPipe[ObjectIdentifier(pipe), default: []].insert(prefix)
        }
        return wasEmpty
    }

    /// Unsubscribes `pipe` from `prefix`. Returns `true` when no pipe is subscribed to it any more, or it was
    /// not known at all (libzmq reports both upstream).
    @discardableResult
    mutating func remove(_ prefix: Frame, for pipe: MessagePipe) -> Bool {
        guard let node = find(prefix), let i = node.pipes.firstIndex(where: { $0 === pipe }) else { return true }
        node.pipes.remove(at: i)
        topicsByPipe[ObjectIdentifier(pipe)]?.remove(prefix)
        return node.pipes.isEmpty
    }

    /// Removes every subscription of `pipe`; calls `removed` for each prefix left with no subscriber, or for
    /// every prefix of the pipe when `reportAll` is set.
    mutating func removePipe(_ pipe: MessagePipe, reportAll: Bool = false, removed: (Frame) -> Void) {
        guard let topics = topicsByPipe.removeValue(forKey: ObjectIdentifier(pipe)) else { return }
        for topic in topics {
            guard let node = find(topic), let i = node.pipes.firstIndex(where: { $0 === pipe }) else { continue }
            node.pipes.remove(at: i)
            if node.pipes.isEmpty || reportAll { removed(topic) }
        }
    }

    private func find(_ prefix: Frame) -> Node? {
        var node = root
        let found = prefix.withUnsafeBytes { bytes -> Bool in
            for byte in bytes {
                guard let next = node.child(byte) else { return false }
                node = next
            }
            return true
        }
        return found ? node : nil
    }

    /// Calls `body` once for every pipe subscribed to a prefix of `data`.
    func forEachMatch(_ data: Frame, _ body: (MessagePipe) -> Void) {
        var node = root
        var seen: [ObjectIdentifier] = []
        func visit(_ node: Node) {
            for pipe in node.pipes {
                let id = ObjectIdentifier(pipe)
                if !seen.contains(id) {
                    seen.append(id)
                    body(pipe)
                }
            }
        }
        visit(node)
        data.withUnsafeBytes { bytes in
            for byte in bytes {
                guard let next = node.child(byte) else { return }
                node = next
                visit(node)
            }
        }
    }

    /// Whether `pipe` has any subscription.
    func hasSubscriptions(_ pipe: MessagePipe) -> Bool {
        !(topicsByPipe[ObjectIdentifier(pipe)]?.isEmpty ?? true)
    }
}
