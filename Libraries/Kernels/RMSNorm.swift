/// RMSNorm: y = x / sqrt(mean(x^2) + eps) * gain, per row of `channels`.
/// x, y: (rows, channels)  gain: (channels)  rstd: (rows) saved by forward for backward.
/// Forward overwrites y and rstd. Backward: dx += ..., dGain += ... (both accumulate).
public enum RMSNorm {
    public static let defaultEpsilon: Float = 1e-5

    public static func forward(x: UnsafePointer<Float>, gain: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                               rstd: UnsafeMutablePointer<Float>, rows: Int, channels: Int,
                               epsilon: Float = defaultEpsilon) {
        Parallel.ranges(rows, minimum: max(1, 8192 / max(channels, 1))) { rowRange in
            for r in rowRange {
                let xr = x + r * channels, yr = y + r * channels
                let sum = Reduce.dot(xr, xr, channels)
                let s = 1 / (sum / Float(channels) + epsilon).squareRoot()
                rstd[r] = s
                for j in 0..<channels { yr[j] = xr[j] * s * gain[j] }
            }
        }
    }

    /// With n = x * rstd: dGain += dy * n;  dx += rstd * (dy*g - n * mean(dy*g*n)).
    public static func backward(x: UnsafePointer<Float>, gain: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, dGain: UnsafeMutablePointer<Float>,
                                rows: Int, channels: Int) {
        Parallel.ranges(rows, minimum: max(1, 8192 / max(channels, 1))) { rowRange in
            for r in rowRange {
                let xr = x + r * channels, dyr = dy + r * channels, dxr = dx + r * channels
                let s = rstd[r]
                var dot: Float = 0
                for j in 0..<channels { dot += dyr[j] * gain[j] * xr[j] }
                let m = dot * s * s / Float(channels)  // mean(dy*g*n) * rstd
                for j in 0..<channels { dxr[j] += s * (dyr[j] * gain[j] - xr[j] * m) }
            }
        }
        // Gain gradient serially over rows (rows would race on dGain), vectorised over channels.
        for r in 0..<rows {
            let xr = x + r * channels, dyr = dy + r * channels, s = rstd[r]
            for j in 0..<channels { dGain[j] += dyr[j] * xr[j] * s }
        }
    }
}
