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
            let w = block.count, lo = block.lowerBound
            withUnsafeTemporaryAllocation(of: Float.self, capacity: w) { rate in
                let rate = rate.baseAddress!  // -8 softplus(lambda)
                for j in 0..<w { rate[j] = -8 * FastMath.softplus(lambda[lo + j]) }
                for k in 0..<time {
                    let t = direction == .forward ? k : time - 1 - k
                    let o = (b * time + t) * stride + lo
                    let ht = h + o, ut = u + o, rt = rPre + o, it = iPre + o
                    if k == 0 || carry[b * time + t] == 0 {
                        for j in 0..<w { ht[j] = FastMath.sigmoid(it[j]) * ut[j] }
                    } else {
                        let hp = h + o - step * stride
                        for j in 0..<w {
                            let a = FastMath.exp(rate[j] * FastMath.sigmoid(rt[j]))
                            ht[j] = a * hp[j] + (1 - a * a).squareRoot() * FastMath.sigmoid(it[j]) * ut[j]
                        }
                    }
                }
            }
        }
    }

    /// g_t = dh_t + carry_next a_next g_next.  With x = i u:
    ///   du += g m i;  diPre += g m u i(1-i);  dA = g h_prev + g x dm/da (carry positions only)
    ///   drPre += dA a (-8 softplus(lambda)) r(1-r);  dLambda += dA a (-8 r) sigmoid(lambda).
    /// Parallel over channel blocks only (every block owns its dLambda entries).
    public static func backward(_ direction: ScanDirection, u: UnsafePointer<Float>, rPre: UnsafePointer<Float>,
                                iPre: UnsafePointer<Float>, lambda: UnsafePointer<Float>, carry: UnsafePointer<Float>,
                                h: UnsafePointer<Float>, dh: UnsafePointer<Float>,
                                du: UnsafeMutablePointer<Float>, drPre: UnsafeMutablePointer<Float>,
                                diPre: UnsafeMutablePointer<Float>, dLambda: UnsafeMutablePointer<Float>,
                                batch: Int, time: Int, channels: Int, stride: Int) {
        let step = direction == .forward ? 1 : -1
        let floor = sqrtFloor
        Parallel.channelBlocks(channels: channels) { block in
            let w = block.count, lo = block.lowerBound
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 5 * w) { scratch in
                let rate = scratch.baseAddress!       // -8 softplus(lambda)
                let sigLambda = rate + w              // sigmoid(lambda) = softplus'(lambda)
                let g = rate + 2 * w                  // running gradient of h
                let aNext = rate + 3 * w              // a at the next position in scan order
                let dLam = rate + 4 * w               // this block's dLambda partial sums
                for j in 0..<w {
                    rate[j] = -8 * FastMath.softplus(lambda[lo + j])
                    sigLambda[j] = FastMath.sigmoid(lambda[lo + j])
                    dLam[j] = 0
                }
                for b in 0..<batch {
                    g.update(repeating: 0, count: w)
                    var carryNext: Float = 0
                    for k in Swift.stride(from: time - 1, through: 0, by: -1) {
                        let t = direction == .forward ? k : time - 1 - k
                        let o = (b * time + t) * stride + lo
                        let dht = dh + o, ut = u + o, rt = rPre + o, it = iPre + o
                        let dut = du + o, drt = drPre + o, dit = diPre + o
                        if carryNext != 0 {
                            for j in 0..<w { g[j] = dht[j] + aNext[j] * g[j] }
                        } else {
                            for j in 0..<w { g[j] = dht[j] }
                        }
                        let resets = k == 0 || carry[b * time + t] == 0
                        if resets {
                            for j in 0..<w {
                                let i = FastMath.sigmoid(it[j])
                                dut[j] += g[j] * i
                                dit[j] += g[j] * ut[j] * i * (1 - i)
                                aNext[j] = 0
                            }
                        } else {
                            let hp = h + o - step * stride
                            for j in 0..<w {
                                let r = FastMath.sigmoid(rt[j]), i = FastMath.sigmoid(it[j])
                                let a = FastMath.exp(rate[j] * r)
                                let z = 1 - a * a
                                let m = z.squareRoot()
                                let gx = g[j] * ut[j] * i
                                dut[j] += g[j] * m * i
                                dit[j] += g[j] * m * ut[j] * (1 - i) * i
                                let dA = g[j] * hp[j] - gx * a / Swift.max(z, floor).squareRoot()
                                let dLogA = dA * a
                                drt[j] += dLogA * rate[j] * r * (1 - r)
                                dLam[j] += dLogA * -8 * r * sigLambda[j]
                                aNext[j] = a
                            }
                        }
                        carryNext = resets ? 0 : 1
                    }
                }
                for j in 0..<w { dLambda[lo + j] += dLam[j] }
            }
        }
    }
}
