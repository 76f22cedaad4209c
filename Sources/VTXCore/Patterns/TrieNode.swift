/// A node of a byte trie, shared by ``SubscriptionTrie`` (a count per node) and ``MultiTrie`` (pipes per node).
/// Children are kept in a small array: subscription fan-out is usually low.
final class TrieNode<Payload> {
    var payload: Payload
    private(set) var keys: [UInt8] = []
    private(set) var children: [TrieNode] = []

    init(_ payload: Payload) {
        self.payload = payload
    }

    var isLeaf: Bool { keys.isEmpty }

    func child(_ byte: UInt8) -> TrieNode? {
        if let i = keys.firstIndex(of: byte) { return children[i] }
        return nil
    }

    /// The node for `prefix`, created (with `empty` payloads) along the way when missing.
    func descendOrInsert(_ prefix: Frame, empty: @autoclosure () -> Payload) -> TrieNode {
        var node = self
        prefix.withUnsafeBytes { bytes in
            for byte in bytes {
                if let next = node.child(byte) {
                    node = next
                } else {
                    let next = TrieNode(empty())
                    node.keys.append(byte)
                    node.children.append(next)
                    node = next
                }
            }
        }
        return node
    }

    /// The path of nodes from this one to the node for `prefix` (this node first), or `nil` when absent.
    func path(to prefix: Frame) -> [TrieNode]? {
        var path = [self]
        let found = prefix.withUnsafeBytes { bytes -> Bool in
            for byte in bytes {
                guard let next = path[path.count - 1].child(byte) else { return false }
                path.append(next)
            }
            return true
        }
        return found ? path : nil
    }

    /// Removes the branch ending at the last node of `path` up to the first node that is still needed.
    static func prune(_ path: [TrieNode], isEmpty: (Payload) -> Bool) {
        var i = path.count - 1
        while i > 0, isEmpty(path[i].payload), path[i].isLeaf {
            let parent = path[i - 1]
            if let index = parent.children.firstIndex(where: { $0 === path[i] }) {
                parent.keys.remove(at: index)
                parent.children.remove(at: index)
            }
            i -= 1
        }
    }

    /// Calls `body` with the payload of this node and of each node along `data`'s bytes, while they exist;
    /// `body` returns `false` to stop early.
    func walk(_ data: Frame, _ body: (Payload) -> Bool) {
        guard body(payload) else { return }
        var node = self
        data.withUnsafeBytes { bytes in
            for byte in bytes {
                guard let next = node.child(byte) else { return }
                node = next
                guard body(node.payload) else { return }
            }
        }
    }
}
