import Kernels

/// Where a position of a packed row belongs (BIRDIE.md section 2).
public enum Region: UInt8, Sendable {
    case pad = 0
    case prefix = 1   // the input; may be read in both directions
    case causal = 2   // START and the target; predicted left to right
}

/// A batch of packed rows: (batch, length) each, row-major. Labels -1 mean "no label".
public struct PackedBatch: Sendable {
    public var batch: Int
    public var length: Int
    public var tokens: [Int32]
    public var labels: [Int32]
    public var segments: [Int32]
    public var regions: [UInt8]

    public init(batch: Int, length: Int, tokens: [Int32], labels: [Int32], segments: [Int32], regions: [UInt8]) {
        precondition(tokens.count == batch * length && labels.count == tokens.count
                     && segments.count == tokens.count && regions.count == tokens.count)
        self.batch = batch; self.length = length; self.tokens = tokens; self.labels = labels
        self.segments = segments; self.regions = regions
    }
}

/// Row structure the mixers need, derived once per batch.
final class RowContext {
    let batch: Int, time: Int
    var rows: Int { batch * time }
    let segments: [Int32]
    let regions: [UInt8]
    /// Forward scans: 0 at a sample start (and on padding), else 1.
    let keepForward: [Float]
    /// Reverse scans (step t takes the state of t+1): 0 unless t and t+1 are both prefix positions
    /// of the same sample, so nothing flows backward out of a target or across a sample end.
    let keepReverse: [Float]
    /// Position within its sample (rotary embeddings).
    let positions: [Int32]

    init(_ b: PackedBatch) {
        batch = b.batch; time = b.length; segments = b.segments; regions = b.regions
        let n = b.batch * b.length
        var kf = [Float](repeating: 0, count: n), kr = [Float](repeating: 0, count: n)
        var pos = [Int32](repeating: 0, count: n)
        let prefix = Region.prefix.rawValue
        for r in 0..<b.batch {
            var start = 0
            for t in 0..<b.length {
                let i = r * b.length + t
                let seg = b.segments[i]
                if t == 0 || seg != b.segments[i - 1] { start = t } else if seg != 0 { kf[i] = 1 }
                pos[i] = Int32(t - start)
                if t + 1 < b.length, seg != 0, b.segments[i + 1] == seg,
                   b.regions[i] == prefix, b.regions[i + 1] == prefix { kr[i] = 1 }
            }
        }
        keepForward = kf; keepReverse = kr; positions = pos
        keepF = .allocate(capacity: n); keepF.initialize(from: kf, count: n)
        keepR = .allocate(capacity: n); keepR.initialize(from: kr, count: n)
        segmentPtr = .allocate(capacity: n); segmentPtr.initialize(from: b.segments, count: n)
    }
    deinit { keepF.deallocate(); keepR.deallocate(); segmentPtr.deallocate() }

    // The same masks as pointers, for the kernels.
    let keepF: UnsafeMutablePointer<Float>
    let keepR: UnsafeMutablePointer<Float>
    let segmentPtr: UnsafeMutablePointer<Int32>

    /// Keep mask of channel c of a layer with `channels` state channels.
    func scanHalves(bidirectional: Bool, channels c: Int) -> [(from: Int, to: Int, reverse: Bool, keep: UnsafeMutablePointer<Float>)] {
        bidirectional ? [(0, c / 2, false, keepF), (c / 2, c, true, keepR)] : [(0, c, false, keepF)]
    }

    func scan(_ a: ConstFloatPtr, _ x: ConstFloatPtr, _ h: FloatPtr, channels c: Int, bidirectional: Bool) {
        for half in scanHalves(bidirectional: bidirectional, channels: c) {
            EngineOps.scanForward(a, x, h, keep: half.keep, batch: batch, time: time, channels: c,
                                  from: half.from, to: half.to, reverse: half.reverse)
        }
    }

    /// dh (in: gradient into h; out: gradient of the scan input), da.
    func scanBackward(_ a: ConstFloatPtr, _ h: ConstFloatPtr, _ dh: FloatPtr, _ da: FloatPtr, channels c: Int,
                      bidirectional: Bool) {
        for half in scanHalves(bidirectional: bidirectional, channels: c) {
            EngineOps.scanBackward(a, h, dh, da, keep: half.keep, batch: batch, time: time, channels: c,
                                   from: half.from, to: half.to, reverse: half.reverse)
        }
    }
}

/// A growable scratch buffer of Floats, reused across steps of the same shape.
final class Buffer {
    private(set) var p: FloatPtr
    private(set) var capacity: Int
    init() { p = FloatPtr.allocate(capacity: 1); capacity = 1 }
    deinit { p.deallocate() }
    /// Pointer to at least n floats (contents undefined after growing).
    @discardableResult
    func ensure(_ n: Int) -> FloatPtr {
        if n > capacity {
            p.deallocate()
            p = FloatPtr.allocate(capacity: n)
            capacity = n
        }
        return p
    }
    func zero(_ n: Int) { ensure(n).update(repeating: 0, count: n) }
}

/// Splits rows 0..<n into `EngineOps.threads` contiguous parts and runs `body` on each row.
@inline(__always)
func forEachRow(_ n: Int, _ body: (Int) -> Void) {
    let parts = EngineOps.threads
    let chunk = (n + parts - 1) / parts
    EngineOps.parallel(parts) { part in
        for i in (part * chunk)..<min(n, (part + 1) * chunk) { body(i) }
    }
}
