/// A reference-counted set of byte prefixes with prefix matching, for a subscriber's own filter
/// (libzmq's `trie_t`).
struct SubscriptionTrie {
    private var root = TrieNode<Int>(0)
    private(set) var prefixes: [Frame: Int] = [:]

    /// Adds a prefix; returns `true` when it was not there before.
    @discardableResult
    mutating func add(_ prefix: Frame) -> Bool {
        let node = root.descendOrInsert(prefix, empty: 0)
        node.payload += 1
        prefixes[prefix.detached(), default: 0] += 1
        return node.payload == 1
    }

    /// Removes one reference to a prefix; returns `true` when that was the last one (an unknown prefix gives
    /// `false`).
    @discardableResult
    mutating func remove(_ prefix: Frame) -> Bool {
        guard let refs = prefixes[prefix], let path = root.path(to: prefix) else { return false }
        prefixes[prefix] = refs == 1 ? nil : refs - 1
        let node = path[path.count - 1]
        node.payload -= 1
        guard node.payload == 0 else { return false }
        TrieNode.prune(path) { $0 == 0 }
        return true
    }

    /// Whether some prefix in the set is a prefix of `data`.
    func matches(_ data: Frame) -> Bool {
        var found = false
        root.walk(data) { count in
            found = count > 0
            return !found
        }
        return found
    }

    /// Every distinct prefix in the set.
    var distinctPrefixes: [Frame] { Array(prefixes.keys) }
}
