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
                for c in Swift.stride(from: block.lowerBound, to: block.upperBound, by: 16) {
                    let m = min(16, block.upperBound - c)
                    var acc = bias.map { ($0 + c).vector(m) } ?? Vec()
                    for j in 0..<taps {
                        acc += (weight + (kernel - 1 - j) * channels + c).vector(m) * (x + (row - j) * channels + c).vector(m)
                    }
                    (y + row * channels + c).store(acc, m)
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
                    for c in Swift.stride(from: 0, to: channels, by: 16) {
                        let m = min(16, channels - c)
                        let g = (dy + row * channels + c).vector(m)
                        (db + c).add(g, m)
                        for j in 0..<taps {
                            let tap = (kernel - 1 - j) * channels + c, off = (row - j) * channels + c
                            (dx + off).add((weight + tap).vector(m) * g, m)
                            (dw + tap).add((x + off).vector(m) * g, m)
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
