import Vocabulary

/// Learns byte-level BPE merges. Feed it documents with `add`, then call `train`.
///
/// Counts distinct pre-tokenised pieces once, then merges over piece types: each merge updates
/// only the pieces that contain the pair (an index from pair to pieces), and the next merge is
/// the most frequent pair from a lazily-updated max-heap. Ties go to the smaller (left, right)
/// ids, so training is deterministic.
public final class BPETrainer {
    public let vocabularySize: Int
    /// Pairs seen fewer times than this are never merged (training may stop early).
    public let minFrequency: Int
    /// Pieces longer than this (runs of symbols, base64 blobs) are left out of the statistics;
    /// they still encode exactly, only from merges learned elsewhere.
    public let maxPieceBytes: Int
    private var pieces = ByteKeyMap(capacity: 1 << 16)
    private var pieceCounts: [Int] = []
    public private(set) var documents = 0
    public private(set) var bytes = 0
    public private(set) var pieceCount = 0
    public private(set) var skippedPieces = 0
    public var uniquePieces: Int { pieces.count }

    public init(vocabularySize: Int, minFrequency: Int = 2, maxPieceBytes: Int = 256) {
        precondition(vocabularySize >= Vocabulary.minimumSize, "vocabulary below \(Vocabulary.minimumSize)")
        self.vocabularySize = vocabularySize
        self.minFrequency = max(1, minFrequency)
        self.maxPieceBytes = maxPieceBytes
    }

    public func add(_ document: [UInt8]) { document.withUnsafeBytes { add($0) } }

    public func add(_ document: UnsafeRawBufferPointer) {
        documents += 1
        bytes += document.count
        guard let base = document.baseAddress else { return }
        PreTokenizer.split(document) { start, end in
            let n = end - start
            pieceCount += 1
            if n < 2 { return }   // nothing to merge
            if n > maxPieceBytes { skippedPieces += 1; return }
            let p = base + start
            let h = ByteKeyMap.hash(p, n)
            if let idx = pieces.find(p, n, hash: h) {
                pieceCounts[idx] += 1
            } else {
                pieces.insert(p, n, hash: h)
                pieceCounts.append(1)
            }
        }
    }

    private struct Candidate: Comparable {
        let count: Int
        let key: UInt64
        // MinHeap order: most frequent first, then the smaller pair.
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.count != b.count ? a.count > b.count : a.key < b.key
        }
    }

    /// Learns up to `vocabularySize - Vocabulary.minimumSize` merges. `progress(done, target)` is
    /// called now and then.
    public func train(progress: ((Int, Int) -> Void)? = nil) -> [Merge] {
        let target = vocabularySize - Vocabulary.minimumSize
        var words: [[TokenID]] = (0..<pieces.count).map { i in pieces.key(i).map { Vocabulary.byteBase + TokenID($0) } }
        let counts = pieceCounts
        var pairCounts: [UInt64: Int] = [:]
        var pairWhere: [UInt64: [Int32]] = [:]
        for (w, word) in words.enumerated() {
            for i in 0..<(word.count - 1) {
                let k = PairTable.key(word[i], word[i + 1])
                pairCounts[k, default: 0] += counts[w]
                if pairWhere[k]?.last != Int32(w) { pairWhere[k, default: []].append(Int32(w)) }
            }
        }
        var heap = MinHeap<Candidate>()
        // Push in key order so the heap's contents never depend on dictionary order.
        for k in pairCounts.keys.sorted() { heap.push(Candidate(count: pairCounts[k]!, key: k)) }

        var merges: [Merge] = []
        var stamp = [Int](repeating: -1, count: words.count)
        while merges.count < target, let top = heap.pop() {
            let current = pairCounts[top.key] ?? 0
            if current != top.count {
                if current > 0 { heap.push(Candidate(count: current, key: top.key)) }
                continue
            }
            if current < minFrequency { break }
            let a = TokenID(truncatingIfNeeded: top.key >> 32), b = TokenID(truncatingIfNeeded: top.key & 0xFFFF_FFFF)
            let newID = BPEModel.firstMergeID + TokenID(merges.count)
            merges.append(Merge(a, b))
            var newKeys: [UInt64] = []
            var newKeySeen = Set<UInt64>()
            for w32 in pairWhere.removeValue(forKey: top.key) ?? [] {
                let w = Int(w32)
                if stamp[w] == merges.count { continue }
                stamp[w] = merges.count
                let old = words[w]
                let c = counts[w]
                var merged: [TokenID] = []
                merged.reserveCapacity(old.count)
                var i = 0, changed = false
                while i < old.count {
                    if i + 1 < old.count && old[i] == a && old[i + 1] == b {
                        merged.append(newID); i += 2; changed = true
                    } else {
                        merged.append(old[i]); i += 1
                    }
                }
                if !changed { continue }
                for i in 0..<(old.count - 1) { pairCounts[PairTable.key(old[i], old[i + 1])]! -= c }
                for i in 0..<(merged.count - 1) {
                    let k = PairTable.key(merged[i], merged[i + 1])
                    pairCounts[k, default: 0] += c
                    if merged[i] == newID || merged[i + 1] == newID {
                        if pairWhere[k]?.last != w32 { pairWhere[k, default: []].append(w32) }
                        if newKeySeen.insert(k).inserted { newKeys.append(k) }
                    }
                }
                words[w] = merged
            }
            pairCounts[top.key] = nil
            for k in newKeys { heap.push(Candidate(count: pairCounts[k]!, key: k)) }
            if merges.count % 256 == 0 { progress?(merges.count, target) }
        }
        progress?(merges.count, target)
        return merges
    }
}
