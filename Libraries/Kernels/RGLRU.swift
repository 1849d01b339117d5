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
        Parallel.batchAndChannelBlocks(batch: batch, channels: channels) { b, block in
            for c in Swift.stride(from: block.lowerBound, to: block.upperBound, by: 16) {
                let m = min(16, block.upperBound - c)
                var rate = Vec()  // -8 softplus(lambda)
                for l in 0..<m { rate[l] = -8 * FastMath.softplus(lambda[c + l]) }
                var state = Vec()
                for k in 0..<time {
                    let t = direction == .forward ? k : time - 1 - k
                    let o = (b * time + t) * stride + c
                    let x = FastMath.sigmoid((iPre + o).vector(m)) * (u + o).vector(m)
                    if k == 0 || carry[b * time + t] == 0 {
                        state = x
                    } else {
                        let a = FastMath.exp(rate * FastMath.sigmoid((rPre + o).vector(m)))
                        state = a * state + (1 - a * a).squareRoot() * x
                    }
                    (h + o).store(state, m)
                }
            }
        }
    }

    /// g_t = dh_t + carry_next a_next g_next.  With x = i u:
    ///   du += g m i;  diPre += g m u i(1-i);  dA = g h_prev + g x dm/da (carry positions only)
    ///   drPre += dA a (-8 softplus(lambda)) r(1-r);  dLambda += dA a (-8 r) sigmoid(lambda).
    /// Parallel over 16-channel blocks only (every block owns its dLambda entries).
    public static func backward(_ direction: ScanDirection, u: UnsafePointer<Float>, rPre: UnsafePointer<Float>,
                                iPre: UnsafePointer<Float>, lambda: UnsafePointer<Float>, carry: UnsafePointer<Float>,
                                h: UnsafePointer<Float>, dh: UnsafePointer<Float>,
                                du: UnsafeMutablePointer<Float>, drPre: UnsafeMutablePointer<Float>,
                                diPre: UnsafeMutablePointer<Float>, dLambda: UnsafeMutablePointer<Float>,
                                batch: Int, time: Int, channels: Int, stride: Int) {
        let step = direction == .forward ? 1 : -1
        Parallel.channelBlocks(channels: channels, width: 16) { block in
            let c = block.lowerBound, m = block.count
            var rate = Vec(), sigLambda = Vec()  // -8 softplus(lambda), softplus'(lambda)
            for l in 0..<m {
                rate[l] = -8 * FastMath.softplus(lambda[c + l])
                sigLambda[l] = FastMath.sigmoid(lambda[c + l])
            }
            var dLam = Vec()
            for b in 0..<batch {
                var g = Vec(), aNext = Vec()  // running gradient of h; a at the next position in scan order
                for k in Swift.stride(from: time - 1, through: 0, by: -1) {
                    let t = direction == .forward ? k : time - 1 - k
                    let o = (b * time + t) * stride + c
                    g = (dh + o).vector(m) + aNext * g
                    let i = FastMath.sigmoid((iPre + o).vector(m)), ut = (u + o).vector(m)
                    if k == 0 || carry[b * time + t] == 0 {
                        (du + o).add(g * i, m)
                        (diPre + o).add(g * ut * i * (1 - i), m)
                        aNext = Vec()
                    } else {
                        let r = FastMath.sigmoid((rPre + o).vector(m))
                        let a = FastMath.exp(rate * r)
                        let z = 1 - a * a
                        let gm = g * z.squareRoot()
                        (du + o).add(gm * i, m)
                        (diPre + o).add(gm * ut * i * (1 - i), m)
                        var zFloored = z
                        zFloored.replace(with: sqrtFloor, where: z .< sqrtFloor)
                        let hPrev = (h + o - step * stride).vector(m)
                        let dLogA = (g * hPrev - g * ut * i * a / zFloored.squareRoot()) * a
                        (drPre + o).add(dLogA * rate * r * (1 - r), m)
                        dLam += dLogA * -8 * r * sigLambda
                        aNext = a
                    }
                }
            }
            (dLambda + c).add(dLam, m)
        }
    }
}
