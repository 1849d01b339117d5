/// The Real-Gated Linear Recurrent Unit of Hawk (Griffin; docs/METHOD.md section 5):
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
                    @inline(__always) func lanes(_ c: Int, _ m: Int) {
                        let x = FastMath.sigmoid(load(iPre + o + c, m)) * load(u + o + c, m)
                        if resets {
                            store(x, to: h + o + c, m)
                        } else {
                            let a = FastMath.exp(load(rate + c, m) * FastMath.sigmoid(load(rPre + o + c, m)))
                            let hPrev = load(h + o + c - step * stride, m)
                            store(a * hPrev + FastMath.sqrt(1 - a * a) * x, to: h + o + c, m)
                        }
                    }
                    // Full vectors with a literal lane count (the partial-load branches fold away), then the tail.
                    var c = block.lowerBound
                    while c + 16 <= block.upperBound { lanes(c, 16); c += 16 }
                    if c < block.upperBound { lanes(c, block.upperBound - c) }
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
                        @inline(__always) func lanes(_ c: Int, _ m: Int) {
                            let o = (b * time + t) * stride + c
                            let gt = load(dh + o, m) + load(aNext + c, m) * load(g + c, m)
                            store(gt, to: g + c, m)
                            let i = FastMath.sigmoid(load(iPre + o, m)), ut = load(u + o, m)
                            if resets {
                                accumulate(gt * i, into: du + o, m)
                                accumulate(gt * ut * i * (1 - i), into: diPre + o, m)
                                store(Vec(), to: aNext + c, m)
                            } else {
                                let r = FastMath.sigmoid(load(rPre + o, m))
                                let rt = load(rate + c, m)
                                let a = FastMath.exp(rt * r)
                                let z = 1 - a * a
                                let gm = gt * FastMath.sqrt(z)
                                accumulate(gm * i, into: du + o, m)
                                accumulate(gm * ut * i * (1 - i), into: diPre + o, m)
                                var zFloored = z
                                let floor = Vec(repeating: sqrtFloor)
                                zFloored.replace(with: floor, where: z .< floor)
                                let hPrev = load(h + o - step * stride, m)
                                let dLogA = (gt * hPrev - gt * ut * i * a * FastMath.rsqrt(zFloored)) * a
                                accumulate(dLogA * rt * r * (1 - r), into: drPre + o, m)
                                accumulate(dLogA * -8 * r * load(sigLambda + c, m), into: dLam + c, m)
                                store(a, to: aNext + c, m)
                            }
                        }
                        var c = lo
                        while c + 16 <= block.upperBound { lanes(c, 16); c += 16 }
                        if c < block.upperBound { lanes(c, block.upperBound - c) }
                    }
                }
            }
            for b in 0..<batch {
                for c in 0..<channels { dLambda[c] += partial[b * channels + c] }
            }
        }
    }
}
