// Multi-head attention over packed rows, forward and backward, with the segment / prefix / causal
// mask of AttentionMask. Input is the fused projection qkv = q | k | v (q and k already rotated by
// Rotary.forward). Softmax is scaled by 1/sqrt(headDim).
//
// Work is split over (row, head) pairs across `threads` workers. Inside a pair, each sample is
// processed on its own in tiles of queries: one sgemm for the scores of the tile against the keys
// any of its queries may see, a masked softmax over each query's key range, one sgemm for the
// values. Keys of other samples are never touched (the block-diagonal structure is skipped for
// free) and causal tiles stop at their last visible key.
//
// The six tile products run in the engine's precision (Engine.products): through OpenBLAS (fp32),
// or through BF16Tiles (operands rounded to bf16, fp32 accumulation: our AVX512-BF16 kernel, or the
// portable path); the softmax, its backward and the log-sum-exp stay fp32 either way.
//
// Forward saves the log-sum-exp of each query's scores; backward recomputes the probabilities from
// it (as FlashAttention does) instead of storing a (heads, time, time) matrix per layer.
//
// In a transformer layer (x: (B, T, C) normalised input, qkv = x W_qkv^T: (B, T, 3C)):
//   mask  = try AttentionMask(segments:regions:batch:time:bidirectional:)   once per batch
//   table = RotaryTable(headDim:maxPositions:)                              once per model
//   forward:  Rotary.forward(qkv:rows:heads:positions: mask.position, table:)   (in place)
//             Attention.forward(qkv:out:logSumExp:mask:heads:headDim:scratch:)  then out W_o^T
//   backward: Attention.backward(qkv:out:logSumExp:dout:dqkv:...)  (+= into the zeroed dqkv)
//             Rotary.backward(dqkv:rows:heads:positions:table:)     (in place), then W_qkv's backward
//   decoding: AttentionCache.append(sample:qkv:count:) with the prompt's rotated qkv from the full
//             forward, then Attention.step(qkv:out:cache:table:) per new token.
import CBLAS
import Foundation

public enum Attention {
    /// Queries per tile (a tuning knob; tests use small tiles to cross tile boundaries). The scores
    /// of a tile take (tile, time) floats of scratch.
    public static let defaultTile = 64

    /// Floats of scratch the kernels need for rows of `time` positions run on `threads` workers:
    /// per worker two (tile, time) score tiles and the packed operands of a bf16 product.
    public static func scratchCount(time: Int, headDim: Int, threads: Int = Parallel.workers, tile: Int = defaultTile) -> Int {
        max(threads, 1) * Problem.workerFloats(time: time, headDim: headDim, tile: tile)
    }

    /// qkv: (batch, time, 3 * channels), q | k | v, each `heads` heads of headDim channels; rotated.
    /// out: (batch, time, channels), overwritten; 0 on padding.
    /// logSumExp: (batch, heads, time), overwritten; saved for backward.
    /// scratch: scratchCount(time:threads:tile:) floats.
    /// Call from one thread at a time: it sets OpenBLAS to one thread for its duration (see forEachPair).
    public static func forward(qkv: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                               logSumExp: UnsafeMutablePointer<Float>, mask: AttentionMask,
                               heads: Int, headDim: Int, scratch: UnsafeMutablePointer<Float>, threads: Int = Parallel.workers,
                               tile: Int = defaultTile) {
        let p = Problem(mask: mask, heads: heads, headDim: headDim, tile: tile, bf16: Engine.products.bf16Path)
        StepProfile.time(.attention) {
            p.forEachPair(threads: threads, scratch: scratch) { b, h, scores, rowScales, work in
                p.forwardPair(b: b, h: h, qkv: qkv, out: out, logSumExp: logSumExp, scores: scores, rowScales: rowScales,
                              work: work)
            }
        }
    }

    /// Backward of forward. qkv, out, logSumExp: as forward left them; dout: (batch, time, channels).
    /// dqkv: (batch, time, 3 * channels), accumulated (+=); its q and k parts are gradients with
    /// respect to the rotated q and k: apply Rotary.backward next.
    public static func backward(qkv: UnsafePointer<Float>, out: UnsafePointer<Float>,
                                logSumExp: UnsafePointer<Float>, dout: UnsafePointer<Float>,
                                dqkv: UnsafeMutablePointer<Float>, mask: AttentionMask,
                                heads: Int, headDim: Int, scratch: UnsafeMutablePointer<Float>, threads: Int = Parallel.workers,
                                tile: Int = defaultTile) {
        let p = Problem(mask: mask, heads: heads, headDim: headDim, tile: tile, bf16: Engine.products.bf16Path)
        StepProfile.time(.attention) {
            p.forEachPair(threads: threads, scratch: scratch) { b, h, scores, dscores, work in
                p.backwardPair(b: b, h: h, qkv: qkv, out: out, logSumExp: logSumExp, dout: dout, dqkv: dqkv,
                               scores: scores, dscores: dscores, work: work)
            }
        }
    }
}

/// Sizes and strides shared by forward and backward.
private struct Problem {
    let mask: AttentionMask
    let heads: Int
    let headDim: Int
    let tile: Int
    /// The tile products in bf16 on this path (BF16Tiles), or in fp32 (OpenBLAS) when nil.
    let bf16: BF16Path?
    var channels: Int { heads * headDim }
    var rowStride: Int { 3 * heads * headDim }  // floats between positions in qkv
    var scale: Float { 1 / Float(headDim).squareRoot() }

    /// A worker's scratch: two (tile, time) score tiles, then the bf16 operands of the largest
    /// tile product (its sizes are those of the products in forwardPair and backwardPair).
    static func workerFloats(time: Int, headDim: Int, tile: Int) -> Int {
        let bytes = max(BF16Tiles.workBytes(m: tile, n: time, k: headDim), BF16Tiles.workBytes(m: tile, n: headDim, k: time),
                        BF16Tiles.workBytes(m: time, n: headDim, k: tile))
        return 2 * tile * time + (bytes + 3) / 4
    }

    /// Runs body(row, head, scores, dscores, work) for every (row, head) pair on `threads` workers
    /// (and OpenBLAS on one thread inside each, restored afterwards); each worker owns its
    /// workerFloats of scratch. Pairs are dealt round-robin: every pair's result is computed the
    /// same way whatever the worker, so the output does not depend on the thread count.
    func forEachPair(threads: Int, scratch: UnsafeMutablePointer<Float>,
                     _ body: (Int, Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutableRawPointer) -> Void) {
        let pairs = mask.batch * heads
        let workers = max(1, min(threads, pairs))
        let slice = tile * mask.time
        let perWorker = Problem.workerFloats(time: mask.time, headDim: headDim, tile: tile)
        // The products here are small (tile x keys x headDim): OpenBLAS's own threads would only
        // contend with our workers (its pthread build serialises threaded level-3 calls), so it runs
        // single-threaded for the duration of the call.
        let blasThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(blasThreads) }
        // Workers write disjoint (row, head) slices of the outputs and their own scratch.
        Parallel.forEach(workers) { w in
            var pair = w
            while pair < pairs {
                let own = scratch + w * perWorker
                body(pair / heads, pair % heads, own, own + slice, UnsafeMutableRawPointer(own + 2 * slice))
                pair += workers
            }
        }
    }

    /// Query tiles of every sample of row b: (first query, end of queries, first key, end of keys).
    func forEachTile(row b: Int, _ body: (Int, Int, Int, Int) -> Void) {
        mask.keyEnd.withUnsafeBufferPointer { keyEnd in
            for sample in mask.samples[b] {
                var q0 = sample.lowerBound
                while q0 < sample.upperBound {
                    let q1 = min(q0 + tile, sample.upperBound)
                    var k1 = 0
                    for t in q0..<q1 { k1 = max(k1, Int(keyEnd[b * mask.time + t])) }
                    body(q0, q1, sample.lowerBound, k1)
                    q0 = q1
                }
            }
        }
    }

    /// Row-major C (m, n) = alpha op(A) (m, k) op(B) (k, n) + beta C, in the problem's precision.
    func product(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                 a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                 beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, work: UnsafeMutableRawPointer) {
        if let bf16 {
            BF16Tiles.gemm(bf16, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                           beta: beta, c: c, ldc: ldc, work: work)
        } else {
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// scores (m, n) = scale * Q[q0..<q0+m] K[k0..<k0+n]^T; q, k: one head's rows, stride rowStride.
    func tileScores(q: UnsafePointer<Float>, k: UnsafePointer<Float>, q0: Int, k0: Int, m: Int, n: Int,
                    into scores: UnsafeMutablePointer<Float>, work: UnsafeMutableRawPointer) {
        let ld = rowStride
        product(transA: false, transB: true, m: m, n: n, k: headDim, alpha: scale, a: q + q0 * ld, lda: ld,
                b: k + k0 * ld, ldb: ld, beta: 0, c: scores, ldc: n, work: work)
    }

    func forwardPair(b: Int, h: Int, qkv: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                     logSumExp: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>,
                     rowScales: UnsafeMutablePointer<Float>, work: UnsafeMutableRawPointer) {
        let T = mask.time, d = channels, ld = rowStride
        let q = qkv + b * T * ld + h * headDim, k = q + d, v = q + 2 * d
        let o = out + b * T * d + h * headDim
        let lse = logSumExp + (b * heads + h) * T
        // Padding: no keys, output 0.
        for t in 0..<T where mask.keyEnd[b * T + t] == mask.keyStart[b * T + t] {
            (o + t * d).update(repeating: 0, count: headDim)
            lse[t] = 0
        }
        forEachTile(row: b) { q0, q1, k0, k1 in
            let m = q1 - q0, n = k1 - k0
            tileScores(q: q, k: k, q0: q0, k0: k0, m: m, n: n, into: scores, work: work)
            for i in 0..<m {
                let visible = Int(mask.keyEnd[b * T + q0 + i]) - k0
                let (top, sum) = unnormalisedSoftmaxRow(scores + i * n, visible: visible, count: n)
                lse[q0 + i] = top + Foundation.log(sum)
                rowScales[i] = 1 / sum
            }
            // O[q0..<q1] (m, headDim) = P (m, n) V[k0..<k1] (n, headDim), normalised afterwards
            // (headDim multiplies per query instead of n).
            product(transA: false, transB: false, m: m, n: headDim, k: n, alpha: 1, a: scores, lda: n,
                    b: v + k0 * ld, ldb: ld, beta: 0, c: o + q0 * d, ldc: d, work: work)
            for i in 0..<m {
                let row = o + (q0 + i) * d
                for c in 0..<headDim { row[c] *= rowScales[i] }
            }
        }
    }

    func backwardPair(b: Int, h: Int, qkv: UnsafePointer<Float>, out: UnsafePointer<Float>,
                      logSumExp: UnsafePointer<Float>, dout: UnsafePointer<Float>,
                      dqkv: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>,
                      dscores: UnsafeMutablePointer<Float>, work: UnsafeMutableRawPointer) {
        let T = mask.time, d = channels, ld = rowStride
        let q = qkv + b * T * ld + h * headDim, k = q + d, v = q + 2 * d
        let dq = dqkv + b * T * ld + h * headDim, dk = dq + d, dv = dq + 2 * d
        let o = out + b * T * d + h * headDim, dO = dout + b * T * d + h * headDim
        let lse = logSumExp + (b * heads + h) * T
        forEachTile(row: b) { q0, q1, k0, k1 in
            let m = q1 - q0, n = k1 - k0
            // P (m, n), recomputed from the saved log-sum-exp.
            tileScores(q: q, k: k, q0: q0, k0: k0, m: m, n: n, into: scores, work: work)
            for i in 0..<m {
                let visible = Int(mask.keyEnd[b * T + q0 + i]) - k0
                expRow(scores + i * n, visible: visible, count: n, minus: lse[q0 + i])
            }
            // dP (m, n) = dO[q0..<q1] V[k0..<k1]^T
            product(transA: false, transB: true, m: m, n: n, k: headDim, alpha: 1, a: dO + q0 * d, lda: d,
                    b: v + k0 * ld, ldb: ld, beta: 0, c: dscores, ldc: n, work: work)
            // dS = P * (dP - rowsum(dO * O)): the softmax backward, written over dP.
            for i in 0..<m {
                var dot: Float = 0
                for c in 0..<headDim { dot += dO[(q0 + i) * d + c] * o[(q0 + i) * d + c] }
                softmaxBackwardRow(p: scores + i * n, dp: dscores + i * n, count: n, dot: dot)
            }
            // dV[k0..<k1] += P^T dO[q0..<q1]
            product(transA: true, transB: false, m: n, n: headDim, k: m, alpha: 1, a: scores, lda: n,
                    b: dO + q0 * d, ldb: d, beta: 1, c: dv + k0 * ld, ldc: ld, work: work)
            // dQ[q0..<q1] += scale * dS K[k0..<k1]
            product(transA: false, transB: false, m: m, n: headDim, k: n, alpha: scale, a: dscores, lda: n,
                    b: k + k0 * ld, ldb: ld, beta: 1, c: dq + q0 * ld, ldc: ld, work: work)
            // dK[k0..<k1] += scale * dS^T Q[q0..<q1]
            product(transA: true, transB: false, m: n, n: headDim, k: m, alpha: scale, a: dscores, lda: n,
                    b: q + q0 * ld, ldb: ld, beta: 1, c: dk + k0 * ld, ldc: ld, work: work)
        }
    }
}

// MARK: - Row kernels (explicit SIMD16; libm exp does not vectorise)

/// row[0..<visible] becomes exp(row - max), row[visible..<count] becomes 0.
/// Returns the max and the sum of the exponentials (softmax = row / sum).
private func unnormalisedSoftmaxRow(_ row: UnsafeMutablePointer<Float>, visible: Int, count: Int) -> (Float, Float) {
    let vectorEnd = visible & ~15
    var maxV = Vec(repeating: -.infinity)
    var j = 0
    while j < vectorEnd {  // compare and blend: pointwiseMax is not vectorised
        let v = (row + j).vector()
        maxV.replace(with: v, where: v .> maxV)
        j += 16
    }
    var top = maxV.max()
    for j in vectorEnd..<visible { top = max(top, row[j]) }
    var sumV = Vec(repeating: 0)
    j = 0
    while j < vectorEnd {
        let e = FastMath.exp((row + j).vector() - top)
        (row + j).store(e)
        sumV += e
        j += 16
    }
    var sum = sumV.sum()
    for j in vectorEnd..<visible { row[j] = FastMath.exp(row[j] - top); sum += row[j] }
    (row + visible).update(repeating: 0, count: count - visible)
    return (top, sum)
}

/// row[0..<visible] becomes exp(row - minus), row[visible..<count] becomes 0.
private func expRow(_ row: UnsafeMutablePointer<Float>, visible: Int, count: Int, minus: Float) {
    let vectorEnd = visible & ~15
    var j = 0
    while j < vectorEnd { (row + j).store(FastMath.exp((row + j).vector() - minus)); j += 16 }
    for j in vectorEnd..<visible { row[j] = FastMath.exp(row[j] - minus) }
    (row + visible).update(repeating: 0, count: count - visible)
}

/// dp becomes p * (dp - dot) over the whole row (p is 0 on masked keys).
private func softmaxBackwardRow(p: UnsafePointer<Float>, dp: UnsafeMutablePointer<Float>, count: Int, dot: Float) {
    let vectorEnd = count & ~15
    var j = 0
    while j < vectorEnd { (dp + j).store((p + j).vector() * ((dp + j).vector() - dot)); j += 16 }
    for j in vectorEnd..<count { dp[j] = p[j] * (dp[j] - dot) }
}
