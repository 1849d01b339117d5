// Incremental decoding for one attention layer: the rotated keys and values of every token a
// sample has seen, so that each new token costs one pass over its sample's cache instead of a full
// forward. A decoded token is in the causal region: it sees every cached token of its sample (the
// prefix included) and itself, exactly the keys the full forward gives it.
import CBLAS

public final class AttentionCache {
    public let batch: Int
    public private(set) var capacity: Int
    public let heads: Int
    public let headDim: Int
    /// Tokens cached per sample.
    public private(set) var lengths: [Int]
    private(set) var keys: UnsafeMutablePointer<Float>    // (batch, capacity, channels)
    private(set) var values: UnsafeMutablePointer<Float>  // (batch, capacity, channels)
    private(set) var scores: UnsafeMutablePointer<Float>  // (capacity) scratch

    public var channels: Int { heads * headDim }

    public init(batch: Int, capacity: Int, heads: Int, headDim: Int) {
        self.batch = batch
        self.capacity = capacity
        self.heads = heads
        self.headDim = headDim
        lengths = Array(repeating: 0, count: batch)
        let count = batch * capacity * heads * headDim
        keys = .allocate(capacity: count)
        values = .allocate(capacity: count)
        scores = .allocate(capacity: capacity)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
        scores.deallocate()
    }

    /// Grows every sample's room to at least `minimum` tokens, keeping what is cached (decoding
    /// past the planned length).
    public func reserve(_ minimum: Int) {
        guard minimum > capacity else { return }
        let grown = max(minimum, 2 * capacity), d = channels
        let newKeys = UnsafeMutablePointer<Float>.allocate(capacity: batch * grown * d)
        let newValues = UnsafeMutablePointer<Float>.allocate(capacity: batch * grown * d)
        for b in 0..<batch {
            (newKeys + b * grown * d).update(from: keys + b * capacity * d, count: lengths[b] * d)
            (newValues + b * grown * d).update(from: values + b * capacity * d, count: lengths[b] * d)
        }
        keys.deallocate(); values.deallocate(); scores.deallocate()
        keys = newKeys; values = newValues; scores = .allocate(capacity: grown)
        capacity = grown
    }

    /// Empties sample b's cache (a new sample starts there).
    public func reset(sample b: Int) { lengths[b] = 0 }

    /// Appends the keys and values of `count` consecutive positions of sample b, taken from a qkv
    /// buffer already rotated (as the full forward leaves it): qkv (count, 3 * channels).
    /// Typically the sample's prompt, run through the full forward first (its prefix is bidirectional).
    public func append(sample b: Int, qkv: UnsafePointer<Float>, count: Int) {
        precondition(lengths[b] + count <= capacity, "attention cache: sample \(b) exceeds its capacity of \(capacity) tokens")
        let d = channels
        for t in 0..<count {
            let slot = (b * capacity + lengths[b] + t) * d
            (keys + slot).update(from: qkv + t * 3 * d + d, count: d)
            (values + slot).update(from: qkv + t * 3 * d + 2 * d, count: d)
        }
        lengths[b] += count
    }
}

extension Attention {
    /// One decoding step for every sample of the cache's batch.
    /// qkv: (batch, 3 * channels), the new token's projection, not rotated: rotated here in place at
    /// position cache.lengths[b], then its key and value are appended to the cache.
    /// out: (batch, channels), overwritten with attention over the sample's cached tokens.
    public static func step(qkv: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
                            cache: AttentionCache, table: RotaryTable) {
        let d = cache.channels, hd = cache.headDim
        let scale = 1 / Float(hd).squareRoot()
        for b in 0..<cache.batch {
            let row = qkv + b * 3 * d
            var position = Int32(cache.lengths[b])
            Rotary.rotate(row, rows: 1, stride: 3 * d, heads: 2 * cache.heads, positions: &position,
                          table: table, inverse: false)
            cache.append(sample: b, qkv: row, count: 1)
            let n = cache.lengths[b]
            for h in 0..<cache.heads {
                let k = cache.keys + b * cache.capacity * d + h * hd
                let v = cache.values + b * cache.capacity * d + h * hd
                // scores (n) = scale * K (n, hd) q (hd)
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(hd), scale, k, Int32(d),
                            row + h * hd, 1, 0, cache.scores, 1)
                var top = -Float.infinity
                for j in 0..<n { top = max(top, cache.scores[j]) }
                var sum: Float = 0
                for j in 0..<n { cache.scores[j] = FastMath.exp(cache.scores[j] - top); sum += cache.scores[j] }
                // out (hd) = V^T (hd, n) p (n) / sum
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(n), Int32(hd), 1 / sum, v, Int32(d),
                            cache.scores, 1, 0, out + b * d + h * hd, 1)
            }
        }
    }
}
