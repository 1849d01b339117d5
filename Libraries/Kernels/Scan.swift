/// Direction of a recurrence over time. `.reverse` runs from the end of the row to its start
/// (the reverse half of a bidirectional layer, docs/METHOD.md section 5).
public enum ScanDirection: Sendable { case forward, reverse }

/// Reset masks for the scans, from a packed row's segment ids and regions (docs/METHOD.md section 2).
/// carry[b,t] multiplies the recurrence into position t: 1 = carry the state, 0 = reset there.
/// segments: (batch, time) Int32 sample ids (0 = padding)  causal: (batch, time), true on the causal region
/// carry: (batch, time) Float, overwritten.
public enum ScanCarry {
    /// Forward direction: 0 at each sample start (first position of the row, or where the segment id
    /// changes) and on padding, else 1.
    public static func forward(segments: UnsafePointer<Int32>, carry: UnsafeMutablePointer<Float>, batch: Int, time: Int) {
        for b in 0..<batch {
            let s = segments + b * time, c = carry + b * time
            for t in 0..<time { c[t] = t > 0 && s[t] != 0 && s[t] == s[t - 1] ? 1 : 0 }
        }
    }

    /// Reverse direction (state flows from t+1 into t): 1 only where t and t+1 are both prefix
    /// positions of the same sample. So no information flows backward out of the causal region
    /// (not even from START), nor across samples; a causal position's reverse state sees only its
    /// own token.
    public static func reverse(segments: UnsafePointer<Int32>, causal: UnsafePointer<Bool>,
                               carry: UnsafeMutablePointer<Float>, batch: Int, time: Int) {
        for b in 0..<batch {
            let s = segments + b * time, k = causal + b * time, c = carry + b * time
            for t in 0..<time {
                c[t] = t + 1 < time && s[t] != 0 && s[t] == s[t + 1] && !k[t] && !k[t + 1] ? 1 : 0
            }
        }
    }
}

/// Linear recurrence h_t = carry_t * a_t * h_prev + x_t, where prev = t-1 (forward) or t+1 (reverse);
/// the first position in scan order always resets.
/// a, x, h (and their gradients): (batch, time, stride) with the scan over channels 0..<channels of
///   each position, so a channel slice is scanned by offsetting the pointers (e.g. the reverse half
///   of a bidirectional layer: pointers + C/2, channels = C/2, stride = C).
/// carry: (batch, time) from ScanCarry.  Forward overwrites h (it is also what backward needs).
/// Backward takes dh, the gradient of the loss w.r.t. every h_t from outside the scan, and
/// accumulates da and dx.
public enum LinearScan {
    public static func forward(_ direction: ScanDirection, a: UnsafePointer<Float>, x: UnsafePointer<Float>,
                               h: UnsafeMutablePointer<Float>, carry: UnsafePointer<Float>,
                               batch: Int, time: Int, channels: Int, stride: Int) {
        let step = direction == .forward ? 1 : -1
        Parallel.batchAndChannelBlocks(batch: batch, channels: channels) { b, block in
            let w = block.count
            for k in 0..<time {
                let t = direction == .forward ? k : time - 1 - k
                let o = (b * time + t) * stride + block.lowerBound
                let hp = h + o - step * stride
                let ht = h + o, at = a + o, xt = x + o
                let c = carry[b * time + t]
                if k == 0 || c == 0 {
                    for j in 0..<w { ht[j] = xt[j] }
                } else {
                    for j in 0..<w { ht[j] = c * at[j] * hp[j] + xt[j] }
                }
            }
        }
    }

    /// With g_t = dh_t + carry_next * a_next * g_next (next = the following position in scan order):
    /// dx_t += g_t;  da_t += g_t * carry_t * h_prev.
    public static func backward(_ direction: ScanDirection, a: UnsafePointer<Float>, h: UnsafePointer<Float>,
                                carry: UnsafePointer<Float>, dh: UnsafePointer<Float>,
                                da: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>,
                                batch: Int, time: Int, channels: Int, stride: Int) {
        let step = direction == .forward ? 1 : -1
        Parallel.batchAndChannelBlocks(batch: batch, channels: channels) { b, block in
            let w = block.count
            withUnsafeTemporaryAllocation(of: Float.self, capacity: w) { gBuffer in
                let g = gBuffer.baseAddress!
                g.update(repeating: 0, count: w)
                var carryNext: Float = 0  // carry of the position after t in scan order
                var aNext: UnsafePointer<Float>? = nil
                for k in Swift.stride(from: time - 1, through: 0, by: -1) {
                    let t = direction == .forward ? k : time - 1 - k
                    let o = (b * time + t) * stride + block.lowerBound
                    let dht = dh + o
                    if let an = aNext, carryNext != 0 {
                        for j in 0..<w { g[j] = dht[j] + carryNext * an[j] * g[j] }
                    } else {
                        for j in 0..<w { g[j] = dht[j] }
                    }
                    let dxt = dx + o
                    for j in 0..<w { dxt[j] += g[j] }
                    let c = carry[b * time + t]
                    if k > 0 && c != 0 {
                        let hp = h + o - step * stride, dat = da + o
                        for j in 0..<w { dat[j] += g[j] * c * hp[j] }
                    }
                    carryNext = k > 0 ? c : 0
                    aNext = a + o
                }
            }
        }
    }
}
