import Kernels

/// Where a position of a packed row belongs (docs/METHOD.md section 2).
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

    init(_ b: PackedBatch) {
        batch = b.batch; time = b.length; segments = b.segments; regions = b.regions
        let n = b.batch * b.length
        let causal = b.regions.map { $0 == Region.causal.rawValue }
        keepF = .allocate(capacity: n); keepR = .allocate(capacity: n)
        segmentPtr = .allocate(capacity: n); segmentPtr.initialize(from: b.segments, count: n)
        causal.withUnsafeBufferPointer { k in
            ScanCarry.forward(segments: segmentPtr, carry: keepF, batch: batch, time: time)
            ScanCarry.reverse(segments: segmentPtr, causal: k.baseAddress!, carry: keepR, batch: batch, time: time)
        }
    }
    deinit { keepF.deallocate(); keepR.deallocate(); segmentPtr.deallocate() }

    /// The attention kernels' key ranges and in-sample positions, built on first use.
    func attentionMask(bidirectional: Bool) -> AttentionMask {
        if let mask = attentionMasks[bidirectional] { return mask }
        let mask: AttentionMask
        do {
            mask = try AttentionMask(segments: segments, regions: regions, batch: batch, time: time, bidirectional: bidirectional)
        } catch { preconditionFailure("\(error)") }
        attentionMasks[bidirectional] = mask
        return mask
    }
    private var attentionMasks: [Bool: AttentionMask] = [:]

    /// Scan reset masks (batch, time), Kernels.ScanCarry's rule: forward 0 at a sample start and on
    /// padding; reverse 1 only between two prefix positions of one sample.
    let keepF: UnsafeMutablePointer<Float>
    let keepR: UnsafeMutablePointer<Float>
    let segmentPtr: UnsafeMutablePointer<Int32>

    /// The scans of a layer with `c` state channels: all forward, or (bidirectional) channels
    /// 0..<c/2 forward and c/2..<c reverse, as offset and width of a channel slice with stride c.
    func halves(_ c: Int, _ bidirectional: Bool) -> [(ScanDirection, offset: Int, width: Int, carry: FloatPtr)] {
        bidirectional ? [(.forward, 0, c / 2, keepF), (.reverse, c / 2, c - c / 2, keepR)] : [(.forward, 0, c, keepF)]
    }

    /// h = scan(a, x) over (rows, c).
    func scan(_ a: ConstFloatPtr, _ x: ConstFloatPtr, _ h: FloatPtr, channels c: Int, bidirectional: Bool) {
        for (direction, o, w, carry) in halves(c, bidirectional) {
            LinearScan.forward(direction, a: a + o, x: x + o, h: h + o, carry: carry,
                               batch: batch, time: time, channels: w, stride: c)
        }
    }

    /// Sets dx (the scan input's gradient) and da from dh, the gradient reaching h from outside.
    func scanBackward(_ a: ConstFloatPtr, _ h: ConstFloatPtr, _ dh: ConstFloatPtr, _ dx: FloatPtr, _ da: FloatPtr,
                      channels c: Int, bidirectional: Bool) {
        dx.update(repeating: 0, count: rows * c)
        da.update(repeating: 0, count: rows * c)
        for (direction, o, w, carry) in halves(c, bidirectional) {
            LinearScan.backward(direction, a: a + o, h: h + o, carry: carry, dh: dh + o, da: da + o, dx: dx + o,
                                batch: batch, time: time, channels: w, stride: c)
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

/// Splits rows 0..<n into `Parallel.workers` contiguous parts and runs `body` on each row.
@inline(__always)
func forEachRow(_ n: Int, _ body: (Int) -> Void) {
    let parts = Parallel.workers
    let chunk = (n + parts - 1) / parts
    Parallel.forEach(parts) { part in
        for i in (part * chunk)..<min(n, (part + 1) * chunk) { body(i) }
    }
}

public typealias FloatPtr = UnsafeMutablePointer<Float>
public typealias ConstFloatPtr = UnsafePointer<Float>
