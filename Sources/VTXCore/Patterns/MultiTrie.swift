/// Byte prefixes, each with the set of pipes subscribed to it, for a publisher's filter (libzmq's `mtrie_t`).
struct MultiTrie {
    private var root = TrieNode<[MessagePipe]>([])
    private var topicsByPipe: [ObjectIdentifier: Set<Frame>] = [:]

    /// Subscribes `pipe` to `prefix`. Returns `true` when no pipe was subscribed to it before. A pipe subscribing
    /// twice counts once.
    @discardableResult
    mutating func add(_ prefix: Frame, for pipe: MessagePipe) -> Bool {
        let node = root.descendOrInsert(prefix, empty: [])
        let wasEmpty = node.payload.isEmpty
        if !node.payload.contains(where: { $0 === pipe }) {
            node.payload.append(pipe)
            topicsByPipe[ObjectIdentifier(pipe), default: []].insert(prefix.detached())
        }
        return wasEmpty
    }

    /// Unsubscribes `pipe` from `prefix`. Returns `true` when no pipe is subscribed to it any more, or it was
    /// not known at all (libzmq reports both upstream).
    @discardableResult
    mutating func remove(_ prefix: Frame, for pipe: MessagePipe) -> Bool {
        guard let path = root.path(to: prefix) else { return true }
        let node = path[path.count - 1]
        guard let i = node.payload.firstIndex(where: { $0 === pipe }) else { return node.payload.isEmpty }
        node.payload.remove(at: i)
        topicsByPipe[ObjectIdentifier(pipe)]?.remove(prefix)
        guard node.payload.isEmpty else { return false }
        TrieNode.prune(path) { $0.isEmpty }
        return true
    }

    /// Removes every subscription of `pipe`; calls `removed` for each prefix left with no subscriber, or for
    /// every prefix of the pipe when `reportAll` is set.
    mutating func removePipe(_ pipe: MessagePipe, reportAll: Bool = false, removed: (Frame) -> Void) {
        guard let topics = topicsByPipe.removeValue(forKey: ObjectIdentifier(pipe)) else { return }
        for topic in topics {
            guard let path = root.path(to: topic) else { continue }
            let node = path[path.count - 1]
            guard let i = node.payload.firstIndex(where: { $0 === pipe }) else { continue }
            node.payload.remove(at: i)
            if node.payload.isEmpty {
                TrieNode.prune(path) { $0.isEmpty }
                removed(topic)
            } else if reportAll {
                removed(topic)
            }
        }
    }

    /// Calls `body` once for every pipe subscribed to a prefix of `data`.
    func forEachMatch(_ data: Frame, _ body: (MessagePipe) -> Void) {
        var seen: [ObjectIdentifier] = []
        root.walk(data) { pipes in
            for pipe in pipes {
                let id = ObjectIdentifier(pipe)
                if !seen.contains(id) {
                    seen.append(id)
                    body(pipe)
                }
            }
            return true
        }
    }

    /// Whether `pipe` has any subscription.
    func hasSubscriptions(_ pipe: MessagePipe) -> Bool {
        !(topicsByPipe[ObjectIdentifier(pipe)]?.isEmpty ?? true)
    }
}
