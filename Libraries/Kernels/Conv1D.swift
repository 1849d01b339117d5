/// Segment-aware causal depthwise 1-D convolution (kernel K, 4 in the models):
///   y[b,t,c] = bias[c] + sum_{j=0..<K} weight[K-1-j, c] * x[b,t-j,c]
/// where a term is dropped when t-j < 0 or position t-j belongs to another sample
/// (segments[b,t-j] != segments[b,t]); so a sample never sees its predecessor in the row.
/// x, y: (batch, time, channels)  weight: (K, channels), tap K-1 multiplies the current position
/// bias: (channels) or nil  segments: (batch, time) Int32.
/// Forward overwrites y. Backward accumulates dx, dWeight, dBias.
public enum Conv1D {
    /// Number of taps (current position included) that stay inside t's sample.
    @inline(__always)
    static func validTaps(_ s: UnsafePointer<Int32>, _ t: Int, _ kernel: Int) -> Int {
        var n = 1
        while n < kernel && t - n >= 0 && s[t - n] == s[t] { n += 1 }
        return n
    }

    public static func forward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               y: UnsafeMutablePointer<Float>, segments: UnsafePointer<Int32>,
                               batch: Int, time: Int, channels: Int, kernel: Int = 4) {
        Parallel.batchAndChannelBlocks(batch: batch, channels: channels) { b, block in
            for t in 0..<time {
                let row = b * time + t
                let taps = validTaps(segments + b * time, t, kernel)
                forEachVector(in: block) { c, m in
                    var acc = bias.map { load($0 + c, m) } ?? Vec()
                    for j in 0..<taps {
                        acc += load(weight + (kernel - 1 - j) * channels + c, m) * load(x + (row - j) * channels + c, m)
                    }
                    store(acc, to: y + row * channels + c, m)
                }
            }
        }
    }

    /// dx[t-j] += weight[K-1-j] * dy[t];  dWeight[K-1-j] += x[t-j] * dy[t];  dBias += dy[t]
    /// (over valid taps). Parallel over batch rows, walking whole contiguous rows; each batch row
    /// sums its weight and bias gradients into its own slot, added up in row order afterwards
    /// (deterministic, no races).
    public static func backward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                dx: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                                dBias: UnsafeMutablePointer<Float>?, segments: UnsafePointer<Int32>,
                                batch: Int, time: Int, channels: Int, kernel: Int = 4) {
        let slot = (kernel + 1) * channels  // kernel x channels weight taps, then channels of bias
        withUnsafeTemporaryAllocation(of: Float.self, capacity: batch * slot) { partial in
            let partial = partial.baseAddress!
            partial.initialize(repeating: 0, count: batch * slot)
            Parallel.forEach(batch) { b in
                let dw = partial + b * slot, db = dw + kernel * channels
                for t in 0..<time {
                    let row = b * time + t
                    let taps = validTaps(segments + b * time, t, kernel)
                    forEachVector(in: 0..<channels) { c, m in
                        let g = load(dy + row * channels + c, m)
                        accumulate(g, into: db + c, m)
                        for j in 0..<taps {
                            let tap = (kernel - 1 - j) * channels + c, off = (row - j) * channels + c
                            accumulate(load(weight + tap, m) * g, into: dx + off, m)
                            accumulate(load(x + off, m) * g, into: dw + tap, m)
                        }
                    }
                }
            }
            for b in 0..<batch {
                let dw = partial + b * slot, db = dw + kernel * channels
                for i in 0..<kernel * channels { dWeight[i] += dw[i] }
                if let dBias { for i in 0..<channels { dBias[i] += db[i] } }
            }
        }
    }
}
