import CBLAS
import Foundation

// The kernels the models need, written by the engine issue while the `kernels` branch was still in
// progress (see the report): forward/backward pairs over contiguous Float buffers, layout
// (rows, channels) with rows = batch * time. Backward functions accumulate into parameter
// gradients and (where named `accumulate`) into input gradients.

public typealias FloatPtr = UnsafeMutablePointer<Float>
public typealias ConstFloatPtr = UnsafePointer<Float>

/// A pointer that may cross into `concurrentPerform` workers, each touching disjoint rows.
public struct SharedPointer<T>: @unchecked Sendable {
    public let p: UnsafeMutablePointer<T>
    public init(_ p: UnsafeMutablePointer<T>) { self.p = p }
}

public enum EngineOps {
    /// Threads for loops split across cores (OpenBLAS threads are set separately).
    nonisolated(unsafe) public static var threads = 2

    public static func setThreads(_ n: Int) {
        threads = max(1, n)
        openblas_set_num_threads(Int32(threads))
    }

    /// Runs `body(i)` for i in 0..<n on up to `threads` workers.
    @inline(__always)
    public static func parallel(_ n: Int, _ body: (Int) -> Void) {
        if threads <= 1 || n <= 1 {
            for i in 0..<n { body(i) }
        } else {
            // Workers touch disjoint rows; the pointers they share are the caller's to keep valid.
            withoutActuallyEscaping(body) { escapable in
                let work = unsafeBitCast(escapable, to: (@Sendable (Int) -> Void).self)
                DispatchQueue.concurrentPerform(iterations: n, execute: work)
            }
        }
    }

    // MARK: exp without libm (vectorisable)

    /// exp(x) to ~2e-7 relative error: 2^n * e^(f ln 2), n = round(x log2 e), |f| <= 1/2.
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let xc = Swift.min(Swift.max(x, -87.0), 88.0)
        let t = xc * 1.442_695_04
        let magic: Float = 12_582_912  // 1.5 * 2^23: adding it rounds to an integer
        let r = t + magic
        let n = r - magic
        let y = (t - n) * 0.693_147_18
        var p: Float = 1.0 / 720
        p = p * y + 1.0 / 120
        p = p * y + 1.0 / 24
        p = p * y + 1.0 / 6
        p = p * y + 0.5
        p = p * y + 1
        p = p * y + 1
        let ni = Int32(bitPattern: r.bitPattern) &- Int32(bitPattern: magic.bitPattern)
        let scale = Float(bitPattern: UInt32(bitPattern: (ni &+ 127) &<< 23))
        return p * scale
    }

    @inlinable @inline(__always) public static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    // GeLU, tanh approximation (PyTorch's approximate="tanh").
    @inlinable @inline(__always) public static func gelu(_ x: Float) -> Float {
        let u = 0.797_884_56 * (x + 0.044_715 * x * x * x)
        let th = 1 - 2 / (1 + exp(2 * u))
        return 0.5 * x * (1 + th)
    }

    @inlinable @inline(__always) public static func geluDerivative(_ x: Float) -> Float {
        let u = 0.797_884_56 * (x + 0.044_715 * x * x * x)
        let th = 1 - 2 / (1 + exp(2 * u))
        let du = 0.797_884_56 * (1 + 3 * 0.044_715 * x * x)
        return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * du
    }

    // MARK: linear (sgemm)

    /// y (n, out) = x (n, in) W^T, W (out, in); `beta` 1 adds into y.
    public static func linearForward(_ x: ConstFloatPtr, _ w: ConstFloatPtr, _ y: FloatPtr,
                                     rows n: Int, in k: Int, out m: Int, xStride: Int? = nil,
                                     yStride: Int? = nil, beta: Float = 0) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(m), Int32(k), 1,
                    x, Int32(xStride ?? k), w, Int32(k), beta, y, Int32(yStride ?? m))
    }

    /// dx (n, in) (+)= dy W; dW (out, in) += dy^T x. `dx` nil skips the input gradient.
    public static func linearBackward(_ dy: ConstFloatPtr, _ x: ConstFloatPtr, _ w: ConstFloatPtr,
                                      _ dx: FloatPtr?, _ dw: FloatPtr, rows n: Int, in k: Int, out m: Int,
                                      dyStride: Int? = nil, xStride: Int? = nil, accumulate: Bool = false) {
        if let dx {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(k), Int32(m), 1,
                        dy, Int32(dyStride ?? m), w, Int32(k), accumulate ? 1 : 0, dx, Int32(k))
        }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(k), Int32(n), 1,
                    dy, Int32(dyStride ?? m), x, Int32(xStride ?? k), 1, dw, Int32(k))
    }

    // MARK: embedding

    /// out (n, d) = table[tokens].
    public static func embeddingForward(_ tokens: UnsafePointer<Int32>, _ table: ConstFloatPtr, _ out: FloatPtr,
                                        rows n: Int, dim d: Int) {
        for i in 0..<n {
            (out + i * d).update(from: table + Int(tokens[i]) * d, count: d)
        }
    }

    public static func embeddingBackward(_ tokens: UnsafePointer<Int32>, _ dout: ConstFloatPtr, _ dtable: FloatPtr,
                                         rows n: Int, dim d: Int) {
        for i in 0..<n {
            let g = dtable + Int(tokens[i]) * d, s = dout + i * d
            for j in 0..<d { g[j] += s[j] }
        }
    }

    // MARK: RMSNorm

    /// y = x / rms(x) * w per row; saves 1/rms in `rstd` (n).
    public static func rmsNormForward(_ x: ConstFloatPtr, _ w: ConstFloatPtr, _ y: FloatPtr, _ rstd: FloatPtr,
                                      rows n: Int, dim d: Int, eps: Float = 1e-5) {
        let X = SharedPointer(UnsafeMutablePointer(mutating: x)), Y = SharedPointer(y), R = SharedPointer(rstd)
        parallel(threads) { part in
            for i in stride(from: part, to: n, by: threads) {
                let xr = X.p + i * d, yr = Y.p + i * d
                var ss: Float = 0
                for j in 0..<d { ss += xr[j] * xr[j] }
                let r = 1 / (ss / Float(d) + eps).squareRoot()
                R.p[i] = r
                for j in 0..<d { yr[j] = xr[j] * r * w[j] }
            }
        }
    }

    /// dx (+)= d(rmsnorm)/dx dy; dw += sum over rows of dy * xhat.
    public static func rmsNormBackward(_ dy: ConstFloatPtr, _ x: ConstFloatPtr, _ w: ConstFloatPtr,
                                       _ rstd: ConstFloatPtr, _ dx: FloatPtr, _ dw: FloatPtr,
                                       rows n: Int, dim d: Int, accumulate: Bool) {
        for i in 0..<n {
            let xr = x + i * d, gr = dy + i * d, dr = dx + i * d
            let r = rstd[i]
            var dot: Float = 0
            for j in 0..<d {
                let gw = gr[j] * w[j]
                dot += gw * xr[j]
                dw[j] += gr[j] * xr[j] * r
            }
            let c = dot * r * r / Float(d)
            if accumulate {
                for j in 0..<d { dr[j] += r * (gr[j] * w[j] - xr[j] * c) }
            } else {
                for j in 0..<d { dr[j] = r * (gr[j] * w[j] - xr[j] * c) }
            }
        }
    }

    // MARK: segment-aware causal depthwise convolution, kernel 4

    /// y[b,t,c] = bias[c] + sum_k w[c,k] x[b,t-3+k,c] over taps in the same segment as t.
    /// x, y: (batch, time, channels); w: (channels, 4); segments: (batch, time).
    public static func conv4Forward(_ x: ConstFloatPtr, _ w: ConstFloatPtr, _ bias: ConstFloatPtr, _ y: FloatPtr,
                                    segments: UnsafePointer<Int32>, batch: Int, time: Int, channels c: Int) {
        let X = SharedPointer(UnsafeMutablePointer(mutating: x)), Y = SharedPointer(y)
        let S = SharedPointer(UnsafeMutablePointer(mutating: segments))
        parallel(batch) { b in
            for t in 0..<time {
                let row = b * time + t
                let yr = Y.p + row * c
                for j in 0..<c { yr[j] = bias[j] }
                for k in 0..<4 {
                    let ts = t - 3 + k
                    guard ts >= 0, S.p[b * time + ts] == S.p[row] else { continue }
                    let xr = X.p + (b * time + ts) * c
                    for j in 0..<c { yr[j] += w[j * 4 + k] * xr[j] }
                }
            }
        }
    }

    /// dx (+)= conv^T dy; dw, dbias += ....
    public static func conv4Backward(_ dy: ConstFloatPtr, _ x: ConstFloatPtr, _ w: ConstFloatPtr, _ dx: FloatPtr,
                                     _ dw: FloatPtr, _ dbias: FloatPtr, segments: UnsafePointer<Int32>,
                                     batch: Int, time: Int, channels c: Int, accumulate: Bool) {
        if !accumulate { dx.update(repeating: 0, count: batch * time * c) }
        // Per-tap weight gradients gathered channel-contiguous, then scattered into (c, 4).
        let tapGrad = FloatPtr.allocate(capacity: 4 * c)
        tapGrad.initialize(repeating: 0, count: 4 * c)
        defer { tapGrad.deallocate() }
        for b in 0..<batch {
            for t in 0..<time {
                let row = b * time + t
                let g = dy + row * c
                for j in 0..<c { dbias[j] += g[j] }
                for k in 0..<4 {
                    let ts = t - 3 + k
                    guard ts >= 0, segments[b * time + ts] == segments[row] else { continue }
                    let xr = x + (b * time + ts) * c, dxr = dx + (b * time + ts) * c, tg = tapGrad + k * c
                    for j in 0..<c {
                        dxr[j] += w[j * 4 + k] * g[j]
                        tg[j] += xr[j] * g[j]
                    }
                }
            }
        }
        for k in 0..<4 { for j in 0..<c { dw[j * 4 + k] += tapGrad[k * c + j] } }
    }

    // MARK: linear scans with resets

    /// h[t] = a[t] h[t-1] + x[t] over channels [c0, c1) of (batch, time, c); `keep[b,t]` 0 drops
    /// the carried state (a sample start). Reverse: h[t] = a[t] h[t+1] + x[t], `keep[b,t]` 0 drops
    /// the state carried from t+1.
    public static func scanForward(_ a: ConstFloatPtr, _ x: ConstFloatPtr, _ h: FloatPtr, keep: UnsafePointer<Float>,
                                   batch: Int, time: Int, channels c: Int, from c0: Int, to c1: Int, reverse: Bool) {
        guard c1 > c0 else { return }
        let A = SharedPointer(UnsafeMutablePointer(mutating: a)), X = SharedPointer(UnsafeMutablePointer(mutating: x))
        let H = SharedPointer(h), K = SharedPointer(UnsafeMutablePointer(mutating: keep))
        parallel(batch) { b in
            for s in 0..<time {
                let t = reverse ? time - 1 - s : s
                let row = (b * time + t) * c
                let hr = H.p + row, ar = A.p + row, xr = X.p + row
                let kp = K.p[b * time + t]
                if s == 0 || kp == 0 {
                    for j in c0..<c1 { hr[j] = xr[j] }
                } else {
                    let prev = H.p + (reverse ? row + c : row - c)
                    for j in c0..<c1 { hr[j] = ar[j] * prev[j] + xr[j] }
                }
            }
        }
    }

    /// Given dh (gradient reaching each h from outside the scan), writes dx (= total dh) and da.
    /// dh is overwritten with the total gradient of h (it is dx).
    public static func scanBackward(_ a: ConstFloatPtr, _ h: ConstFloatPtr, _ dh: FloatPtr, _ da: FloatPtr,
                                    keep: UnsafePointer<Float>, batch: Int, time: Int, channels c: Int,
                                    from c0: Int, to c1: Int, reverse: Bool) {
        guard c1 > c0 else { return }
        let A = SharedPointer(UnsafeMutablePointer(mutating: a)), H = SharedPointer(UnsafeMutablePointer(mutating: h))
        let G = SharedPointer(dh), DA = SharedPointer(da), K = SharedPointer(UnsafeMutablePointer(mutating: keep))
        parallel(batch) { b in
            // Walk opposite to the scan direction; g[t] += a[next] g[next] where next consumed h[t].
            for s in stride(from: time - 1, through: 0, by: -1) {
                let t = reverse ? time - 1 - s : s
                let row = (b * time + t) * c
                let gr = G.p + row, dar = DA.p + row
                if s < time - 1 {
                    let tn = reverse ? t - 1 : t + 1   // the step that consumed h[t]
                    let nrow = (b * time + tn) * c
                    if K.p[b * time + tn] != 0 {
                        let an = A.p + nrow, gn = G.p + nrow
                        for j in c0..<c1 { gr[j] += an[j] * gn[j] }
                    }
                }
                if s == 0 || K.p[b * time + t] == 0 {
                    for j in c0..<c1 { dar[j] = 0 }
                } else {
                    let prev = H.p + (reverse ? row + c : row - c)
                    for j in c0..<c1 { dar[j] = gr[j] * prev[j] }
                }
            }
        }
    }

    // MARK: softmax cross-entropy over labelled rows

    /// logits (n, v) -> mean loss over rows with label >= 0; overwrites logits with dlogits scaled by
    /// `gradScale / labelled` when `gradient` is true. Returns (summed loss, labelled count).
    public static func crossEntropy(_ logits: FloatPtr, labels: UnsafePointer<Int32>, rows n: Int, vocab v: Int,
                                    gradient: Bool, gradScale: Float = 1) -> (sum: Double, count: Int) {
        var count = 0
        for i in 0..<n where labels[i] >= 0 { count += 1 }
        let L = SharedPointer(logits), Lab = SharedPointer(UnsafeMutablePointer(mutating: labels))
        let losses = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { losses.deallocate() }
        let LS = SharedPointer(losses)
        let scale = count > 0 ? gradScale / Float(count) : 0
        parallel(threads) { part in
            for i in stride(from: part, to: n, by: threads) {
                let row = L.p + i * v
                let label = Int(Lab.p[i])
                guard label >= 0 else {
                    LS.p[i] = 0
                    if gradient { row.update(repeating: 0, count: v) }
                    continue
                }
                var mx = -Float.infinity
                for j in 0..<v { mx = Swift.max(mx, row[j]) }
                var sum: Float = 0
                let target = row[label]
                for j in 0..<v { let e = exp(row[j] - mx); row[j] = e; sum += e }
                LS.p[i] = Double(Foundation.log(sum) + mx - target)
                if gradient {
                    let inv = scale / sum
                    for j in 0..<v { row[j] *= inv }
                    row[label] -= scale
                }
            }
        }
        var total = 0.0
        for i in 0..<n { total += losses[i] }
        return (total, count)
    }
}
