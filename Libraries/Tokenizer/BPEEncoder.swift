import Vocabulary

/// Encodes text with a BPEModel: pre-tokenise, then merge within each piece by priority.
/// Keeps a cache of pieces seen before (most text is a few thousand distinct words), so it is
/// cheap to reuse and not thread-safe: one encoder per thread.
public final class BPEEncoder {
    public let model: BPEModel
    private var cache: PieceCache
    private let cacheLimit: Int
    private var symbols: [TokenID] = []

    /// `cacheEntries`: distinct pieces remembered before the cache is emptied and refilled.
    public init(model: BPEModel, cacheEntries: Int = 1 << 18) {
        self.model = model
        cacheLimit = cacheEntries
        cache = PieceCache(map: ByteKeyMap(capacity: min(cacheEntries, 1 << 16)))
    }

    public func encode(_ text: [UInt8]) -> [TokenID] {
        var out: [TokenID] = []
        text.withUnsafeBytes { encode($0, into: &out) }
        return out
    }

    public func encode(_ text: String) -> [TokenID] { encode(Array(text.utf8)) }

    /// Appends the tokens of `text` to `out`. Any bytes, valid UTF-8 or not.
    public func encode(_ text: UnsafeRawBufferPointer, into out: inout [TokenID]) {
        guard let base = text.baseAddress else { return }
        out.reserveCapacity(out.count + text.count / 3)
        // Work on a local copy of the cache: no exclusivity checks or retains per piece.
        var cache = PieceCache(map: ByteKeyMap(capacity: 1))
        swap(&cache, &self.cache)
        defer { swap(&cache, &self.cache) }
        let limit = cacheLimit
        PreTokenizer.split(text) { start, end in
            let n = end - start
            let p = base + start
            if n == 1 {
                out.append(Vocabulary.byteBase + TokenID(p.load(as: UInt8.self)))
                return
            }
            let h = ByteKeyMap.hash(p, n)
            if let idx = cache.map.find(p, n, hash: h) {
                cache.appendTokens(of: idx, to: &out)
                return
            }
            let first = out.count
            mergePiece(UnsafeRawBufferPointer(start: p, count: n), into: &out)
            if cache.map.count >= limit || cache.map.arenaBytes > 64 << 20 { cache.removeAll() }
            cache.map.insert(p, n, hash: h)
            cache.tokens.append(contentsOf: out[first...])
            cache.starts.append(cache.tokens.count)
        }
    }

    /// BPE within one piece: repeatedly merge the adjacent pair with the highest priority (lowest
    /// merged id), leftmost first. Short pieces scan; long ones use a heap (same result).
    func mergePiece(_ piece: UnsafeRawBufferPointer, into out: inout [TokenID]) {
        if piece.count > 64 {
            out.append(contentsOf: BPEEncoder.mergeWithHeap(piece, model.pairs))
            return
        }
        symbols.removeAll(keepingCapacity: true)
        for b in piece { symbols.append(Vocabulary.byteBase + TokenID(b)) }
        let pairs = model.pairs
        symbols.withUnsafeMutableBufferPointer { s in
            var n = s.count
            while n > 1 {
                var best = Int32.max, at = -1
                for i in 0..<(n - 1) {
                    let m = pairs.merged(s[i], s[i + 1])
                    if m >= 0 && m < best { best = m; at = i }
                }
                if at < 0 { break }
                let a = s[at], b = s[at + 1]
                var w = at, r = at
                while r < n {
                    if r + 1 < n && s[r] == a && s[r + 1] == b {
                        s[w] = best; r += 2
                    } else {
                        s[w] = s[r]; r += 1
                    }
                    w += 1
                }
                n = w
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: s[0..<n]))
        }
    }

    /// The same merging in O(n log n): a heap of candidate pairs over a linked list of symbols.
    static func mergeWithHeap(_ piece: UnsafeRawBufferPointer, _ pairs: PairTable) -> [TokenID] {
        let n = piece.count
        var sym = piece.map { Vocabulary.byteBase + TokenID($0) }
        var next = Array(1...n), prev = Array(-1..<(n - 1))   // next == n: none
        var alive = [Bool](repeating: true, count: n)
        // Candidates ordered by (merged id, position): the leftmost of the best merge first.
        var heap = MinHeap<UInt64>()
        func push(_ i: Int) {
            guard i >= 0, next[i] < n else { return }
            let m = pairs.merged(sym[i], sym[next[i]])
            if m >= 0 { heap.push(UInt64(UInt32(m)) << 32 | UInt64(i)) }
        }
        for i in 0..<(n - 1) { push(i) }
        while let top = heap.pop() {
            let m = TokenID(truncatingIfNeeded: top >> 32), i = Int(top & 0xFFFF_FFFF)
            guard alive[i], next[i] < n, pairs.merged(sym[i], sym[next[i]]) == m else { continue }
            let j = next[i]
            sym[i] = m
            alive[j] = false
            next[i] = next[j]
            if next[j] < n { prev[next[j]] = i }
            push(prev[i])
            push(i)
        }
        var out: [TokenID] = []
        var i = 0
        while i < n { out.append(sym[i]); i = next[i] }
        return out
    }
}

/// Pieces seen before and their tokens.
struct PieceCache {
    var map: ByteKeyMap
    var tokens: [TokenID] = []
    var starts: [Int] = [0]

    @inline(__always)
    func appendTokens(of idx: Int, to out: inout [TokenID]) {
        starts.withUnsafeBufferPointer { st in
            tokens.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[st[idx]..<st[idx + 1]])) }
        }
    }

    mutating func removeAll() {
        map.removeAll()
        tokens.removeAll(keepingCapacity: true)
        starts = [0]
    }
}

/// A binary min-heap.
struct MinHeap<T: Comparable> {
    private var items: [T] = []
    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }

    mutating func push(_ x: T) {
        items.append(x)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if items[p] <= items[i] { break }
            items.swapAt(p, i)
            i = p
        }
    }

    mutating func pop() -> T? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && items[l] < items[m] { m = l }
                if r < items.count && items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(m, i)
                i = m
            }
        }
        return top
    }
}
