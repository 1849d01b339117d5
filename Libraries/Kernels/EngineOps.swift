import CBLAS
import Foundation

// The engine's own kernels, written while the `kernels` branch was in progress and still used by
// the models: sgemm with row strides and beta, the segment-aware conv (weights (channels, 4)) and
// the scans over channel ranges with keep masks. Layout (rows, channels), rows = batch * time.
// Backward functions accumulate into parameter gradients and, where named `accumulate`, into
// input gradients. (RMSNorm, embedding, cross-entropy, FastMath, AdamW come from the other files.)

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
        Parallel.workers = threads
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
}
