// Which keys each query of a packed row may attend to (docs/METHOD.md sections 2 and 5).
//
// Rule: a query t may see key j when both lie in the same sample (segment id, not 0) and
//   causal mode:        j <= t
//   bidirectional mode: j <= t, or both t and j lie in the sample's prefix region.
// Within a sample the prefix comes first and the causal region follows, so the visible keys of
// every query are one contiguous range [keyStart, keyEnd): the kernels iterate ranges, never a
// T x T boolean mask. Padding positions (segment 0) see nothing; their attention output is 0.

/// Region of a packed-row position, with the codes packed rows use.
public enum AttentionRegion: UInt8, Sendable {
    case pad = 0, prefix = 1, causal = 2
}

public struct AttentionMaskError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// Per-position key ranges and in-sample positions for a batch of packed rows.
public struct AttentionMask: Sendable {
    public let batch: Int
    public let time: Int
    public let bidirectional: Bool
    /// (batch, time): first visible key (row-relative), one past the last visible key.
    public let keyStart: [Int32]
    public let keyEnd: [Int32]
    /// (batch, time): position counted from the sample's first position (0 on padding); RoPE uses it.
    public let position: [Int32]
    /// Per row, the samples as row-relative ranges, left to right (padding excluded).
    public let samples: [[Range<Int>]]

    /// segments: (batch, time) ids 1, 2, 3, ... per sample, 0 for padding; each sample contiguous.
    /// regions: (batch, time) AttentionRegion raw codes; inside a sample prefix positions precede
    /// causal ones; padding positions have segment 0 and region pad.
    public init(segments: [Int32], regions: [UInt8], batch: Int, time: Int, bidirectional: Bool) throws {
        guard segments.count == batch * time, regions.count == batch * time else {
            throw AttentionMaskError(description: "attention mask: expected \(batch * time) segment ids and regions, got \(segments.count) and \(regions.count)")
        }
        self.batch = batch
        self.time = time
        self.bidirectional = bidirectional
        var keyStart = [Int32](repeating: 0, count: batch * time)
        var keyEnd = [Int32](repeating: 0, count: batch * time)
        var position = [Int32](repeating: 0, count: batch * time)
        var samples: [[Range<Int>]] = []
        for b in 0..<batch {
            let base = b * time
            var rowSamples: [Range<Int>] = []
            var seen = Set<Int32>()
            var t = 0
            while t < time {
                let id = segments[base + t]
                guard let region = AttentionRegion(rawValue: regions[base + t]) else {
                    throw AttentionMaskError(description: "attention mask: row \(b) position \(t): unknown region code \(regions[base + t]) (0 pad, 1 prefix, 2 causal)")
                }
                if id == 0 {
                    guard region == .pad else {
                        throw AttentionMaskError(description: "attention mask: row \(b) position \(t): segment 0 (padding) with a non-pad region")
                    }
                    keyStart[base + t] = Int32(t)
                    keyEnd[base + t] = Int32(t)
                    t += 1
                    continue
                }
                guard seen.insert(id).inserted else {
                    throw AttentionMaskError(description: "attention mask: row \(b): segment \(id) is not contiguous")
                }
                var end = t
                while end < time && segments[base + end] == id { end += 1 }
                // The prefix is the leading run of prefix positions; the rest must be causal.
                var prefixEnd = t
                while prefixEnd < end && regions[base + prefixEnd] == AttentionRegion.prefix.rawValue { prefixEnd += 1 }
                for j in prefixEnd..<end where regions[base + j] != AttentionRegion.causal.rawValue {
                    throw AttentionMaskError(description: "attention mask: row \(b) position \(j): segment \(id) has a non-causal position after its causal region starts")
                }
                for j in t..<end {
                    keyStart[base + j] = Int32(t)
                    let last = bidirectional && j < prefixEnd ? prefixEnd - 1 : j
                    keyEnd[base + j] = Int32(last + 1)
                    position[base + j] = Int32(j - t)
                }
                rowSamples.append(t..<end)
                t = end
            }
            samples.append(rowSamples)
        }
        self.keyStart = keyStart
        self.keyEnd = keyEnd
        self.position = position
        self.samples = samples
    }

    /// The same from the inputs ScanCarry takes: segment ids and a causal flag per position
    /// (false on the prefix; ignored on padding).
    public init(segments: [Int32], causal: [Bool], batch: Int, time: Int, bidirectional: Bool) throws {
        let regions = zip(segments, causal).map { segment, causal in
            (segment == 0 ? AttentionRegion.pad : causal ? .causal : .prefix).rawValue
        }
        try self.init(segments: segments, regions: regions, batch: batch, time: time, bidirectional: bidirectional)
    }

    /// Number of visible (query, key) pairs; attention FLOPs are proportional to it.
    public var visiblePairs: Int {
        zip(keyStart, keyEnd).reduce(0) { $0 + Int($1.1 - $1.0) }
    }
}
