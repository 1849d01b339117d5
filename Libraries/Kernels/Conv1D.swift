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
            let lo = block.lowerBound, w = block.count
            for t in 0..<time {
                let row = b * time + t
                let yt = y + row * channels + lo
                if let bias { for c in 0..<w { yt[c] = bias[lo + c] } } else { yt.update(repeating: 0, count: w) }
                for j in 0..<validTaps(segments + b * time, t, kernel) {
                    let xs = x + (row - j) * channels + lo, wk = weight + (kernel - 1 - j) * channels + lo
                    for c in 0..<w { yt[c] += wk[c] * xs[c] }
                }
            }
        }
    }

    /// dx[t-j] += weight[K-1-j] * dy[t];  dWeight[K-1-j] += x[t-j] * dy[t];  dBias += dy[t]
    /// (over valid taps). Parallel over channel blocks only: every block owns its weight columns.
    public static func backward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                dx: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                                dBias: UnsafeMutablePointer<Float>?, segments: UnsafePointer<Int32>,
                                batch: Int, time: Int, channels: Int, kernel: Int = 4) {
        Parallel.channelBlocks(channels: channels) { block in
            let lo = block.lowerBound, w = block.count
            for b in 0..<batch {
                for t in 0..<time {
                    let row = b * time + t
                    let dyt = dy + row * channels + lo
                    if let dBias { for c in 0..<w { dBias[lo + c] += dyt[c] } }
                    for j in 0..<validTaps(segments + b * time, t, kernel) {
                        let off = (row - j) * channels + lo, tap = (kernel - 1 - j) * channels + lo
                        let xs = x + off, dxs = dx + off, wk = weight + tap, dwk = dWeight + tap
                        for c in 0..<w {
                            dxs[c] += wk[c] * dyt[c]
                            dwk[c] += xs[c] * dyt[c]
                        }
                    }
                }
            }
        }
    }
}
