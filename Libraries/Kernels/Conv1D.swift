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
    /// (over valid taps). Parallel over 16-channel blocks only: every block owns its weight columns.
    public static func backward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                dx: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                                dBias: UnsafeMutablePointer<Float>?, segments: UnsafePointer<Int32>,
                                batch: Int, time: Int, channels: Int, kernel: Int = 4) {
        Parallel.channelBlocks(channels: channels, width: 16) { block in
            let c = block.lowerBound, m = block.count
            var dBiasSum = Vec()
            for b in 0..<batch {
                for t in 0..<time {
                    let row = b * time + t
                    let g = (dy + row * channels + c).vector(m)
                    dBiasSum += g
                    for j in 0..<validTaps(segments + b * time, t, kernel) {
                        let off = (row - j) * channels + c, tap = (kernel - 1 - j) * channels + c
                        (dx + off).add((weight + tap).vector(m) * g, m)
                        (dWeight + tap).add((x + off).vector(m) * g, m)
                    }
                }
            }
            if let dBias { (dBias + c).add(dBiasSum, m) }
        }
    }
}
