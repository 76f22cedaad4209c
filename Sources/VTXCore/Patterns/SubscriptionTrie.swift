/// A reference-counted set of byte prefixes with prefix matching, for a subscriber's own filter
/// (libzmq's `trie_t`).
struct SubscriptionTrie {
    private final class Node {
        var count = 0
        var keys: [UInt8] = []
        var children: [Node] = []

        func child(_ byte: UInt8) -> Node? {
            if let i = keys.firstIndex(of: byte) { return children[i] }
            return nil
        }
    }

    private var root = Node()
    private(set) var prefixes: [Frame: Int] = [:]

    /// Adds a prefix; returns `true` when it was not there before.
    @discardableResult
    mutating func add(_ prefix: Frame) -> Bool {
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
        node.count += 1
        prefixes[prefix, default: 0] += 1
        return node.count == 1
    }

    /// Removes one reference to a prefix; returns `true` when that was the last one (an unknown prefix gives
    /// `false`).
    @discardableResult
    mutating func remove(_ prefix: Frame) -> Bool {
        guard let refs = prefixes[prefix] else { return false }
        var node = root
        var path: [(Node, Int)] = []
        prefix.withUnsafeBytes { bytes in
            for byte in bytes {
                let i = node.keys.firstIndex(of: byte)!
                path.append((node, i))
                node = node.children[i]
            }
        }
        node.count -= 1
        if refs == 1 { prefixes[prefix] = nil } else { prefixes[prefix] = refs - 1 }
        guard node.count == 0 else { return false }
        // Prune empty branches.
        var current = node
        for (parent, i) in path.reversed() {
            guard current.count == 0, current.keys.isEmpty else { break }
            parent.keys.remove(at: i)
            parent.children.remove(at: i)
            current = parent
        }
        return true
    }

    /// Whether some prefix in the set is a prefix of `data`.
    func matches(_ data: Frame) -> Bool {
        var node = root
        if node.count > 0 { return true }
        return data.withUnsafeBytes { bytes in
            for byte in bytes {
                guard let next = node.child(byte) else { return false }
                node = next
                if node.count > 0 { return true }
            }
            return false
        }
    }

    /// Every distinct prefix in the set.
    var distinctPrefixes: [Frame] { Array(prefixes.keys) }
}
