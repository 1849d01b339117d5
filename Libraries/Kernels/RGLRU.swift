/// The Real-Gated Linear Recurrent Unit of Hawk (Griffin; BIRDIE.md section 5):
///   r = sigmoid(rPre), i = sigmoid(iPre), log a = -8 r softplus(lambda), a = exp(log a)
///   h_t = carry_t a_t h_prev + m_t (i_t u_t),  m_t = sqrt(1 - a_t^2), and m_t = 1 where carry_t = 0
///   (the state resets there, so the input is not damped at a sample start).
/// u, rPre, iPre (the pre-activations W_a u and W_i u), h, and their gradients: (batch, time, stride),
///   the recurrence over channels 0..<channels of each position (a channel slice is scanned by
///   offsetting pointers, as for LinearScan; lambda is then offset too)
/// lambda: (channels)  carry: (batch, time) from ScanCarry (0 or 1).
/// Forward overwrites h; backward recomputes r, i, a from the pre-activations (nothing else saved)
/// and accumulates du, drPre, diPre, dLambda. In backward the square root's argument is floored at
/// 1/(4*1000^2) so d m / d a = -a / sqrt(max(1 - a^2, 2.5e-7)) stays bounded (|.| <= 2000 a).
public enum RGLRU {
    public static let sqrtFloor: Float = 1.0 / (4 * 1000 * 1000)

    public static func forward(_ direction: ScanDirection, u: UnsafePointer<Float>, rPre: UnsafePointer<Float>,
                               iPre: UnsafePointer<Float>, lambda: UnsafePointer<Float>, carry: UnsafePointer<Float>,
                               h: UnsafeMutablePointer<Float>, batch: Int, time: Int, channels: Int, stride: Int) {
        let step = direction == .forward ? 1 : -1
        Parallel.batchAndChannelBlocks(batch: batch, channels: channels) { b, block in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: block.count) { rateBuffer in
                let rate = rateBuffer.baseAddress! - block.lowerBound  // -8 softplus(lambda), indexed by channel
                for c in block { rate[c] = -8 * FastMath.softplus(lambda[c]) }
                for k in 0..<time {
                    let t = direction == .forward ? k : time - 1 - k
                    let o = (b * time + t) * stride
                    let resets = k == 0 || carry[b * time + t] == 0
                    for c in Swift.stride(from: block.lowerBound, to: block.upperBound, by: 16) {
                        let m = min(16, block.upperBound - c)
                        let x = FastMath.sigmoid((iPre + o + c).vector(m)) * (u + o + c).vector(m)
                        if resets {
                            (h + o + c).store(x, m)
                        } else {
                            let a = FastMath.exp((rate + c).vector(m) * FastMath.sigmoid((rPre + o + c).vector(m)))
                            let hPrev = (h + o + c - step * stride).vector(m)
                            (h + o + c).store(a * hPrev + (1 - a * a).squareRoot() * x, m)
                        }
                    }
                }
            }
        }
    }

    /// g_t = dh_t + carry_next a_next g_next.  With x = i u:
    ///   du += g m i;  diPre += g m u i(1-i);  dA = g h_prev + g x dm/da (carry positions only)
    ///   drPre += dA a (-8 softplus(lambda)) r(1-r);  dLambda += dA a (-8 r) sigmoid(lambda).
    /// Parallel over (batch row, channel block); each task sums dLambda into its own slot, added up
    /// in batch order afterwards (deterministic, no races).
    public static func backward(_ direction: ScanDirection, u: UnsafePointer<Float>, rPre: UnsafePointer<Float>,
                                iPre: UnsafePointer<Float>, lambda: UnsafePointer<Float>, carry: UnsafePointer<Float>,
                                h: UnsafePointer<Float>, dh: UnsafePointer<Float>,
                                du: UnsafeMutablePointer<Float>, drPre: UnsafeMutablePointer<Float>,
                                diPre: UnsafeMutablePointer<Float>, dLambda: UnsafeMutablePointer<Float>,
                                batch: Int, time: Int, channels: Int, stride: Int) {
        let step = direction == .forward ? 1 : -1
        withUnsafeTemporaryAllocation(of: Float.self, capacity: batch * channels) { partialBuffer in
            let partial = partialBuffer.baseAddress!
            Parallel.batchAndChannelBlocks(batch: batch, channels: channels) { b, block in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * block.count) { scratch in
                    // Per-channel buffers, indexed by channel: rate = -8 softplus(lambda),
                    // sigmoid(lambda) = softplus'(lambda), g = running gradient of h, aNext = a at
                    // the next position in scan order (0 where that position resets).
                    let w = block.count, lo = block.lowerBound
                    let rate = scratch.baseAddress! - lo, sigLambda = rate + w, g = rate + 2 * w, aNext = rate + 3 * w
                    let dLam = partial + b * channels
                    for c in block {
                        rate[c] = -8 * FastMath.softplus(lambda[c])
                        sigLambda[c] = FastMath.sigmoid(lambda[c])
                        g[c] = 0; aNext[c] = 0; dLam[c] = 0
                    }
                    for k in Swift.stride(from: time - 1, through: 0, by: -1) {
                        let t = direction == .forward ? k : time - 1 - k
                        let resets = k == 0 || carry[b * time + t] == 0
                        for c in Swift.stride(from: lo, to: block.upperBound, by: 16) {
                            let m = min(16, block.upperBound - c), o = (b * time + t) * stride + c
                            let gt = (dh + o).vector(m) + (aNext + c).vector(m) * (g + c).vector(m)
                            (g + c).store(gt, m)
                            let i = FastMath.sigmoid((iPre + o).vector(m)), ut = (u + o).vector(m)
                            if resets {
                                (du + o).add(gt * i, m)
                                (diPre + o).add(gt * ut * i * (1 - i), m)
                                (aNext + c).store(Vec(), m)
                            } else {
                                let r = FastMath.sigmoid((rPre + o).vector(m))
                                let rt = (rate + c).vector(m)
                                let a = FastMath.exp(rt * r)
                                let z = 1 - a * a
                                let gm = gt * z.squareRoot()
                                (du + o).add(gm * i, m)
                                (diPre + o).add(gm * ut * i * (1 - i), m)
                                var zFloored = z
                                zFloored.replace(with: sqrtFloor, where: z .< sqrtFloor)
                                let hPrev = (h + o - step * stride).vector(m)
                                let dLogA = (gt * hPrev - gt * ut * i * a / zFloored.squareRoot()) * a
                                (drPre + o).add(dLogA * rt * r * (1 - r), m)
                                (dLam + c).add(dLogA * -8 * r * (sigLambda + c).vector(m), m)
                                (aNext + c).store(a, m)
                            }
                        }
                    }
                }
            }
            for b in 0..<batch {
                for c in 0..<channels { dLambda[c] += partial[b * channels + c] }
            }
        }
    }
}
