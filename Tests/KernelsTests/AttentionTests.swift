import CBLAS
// Rotary embeddings + masked multi-head attention: mask rule, forward against a Float64 reference,
// gradients against finite differences, isolation of packed samples, KV-cache decoding.
import Foundation
import Testing
@testable import Kernels

extension TestRNG {
    /// n floats uniform in [-scale, scale).
    fileprivate mutating func floats(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in symmetric(scale) } }
}

/// Packed rows from per-row lists of samples (prefix length, causal length); padding fills the rest.
private func packedRows(_ rows: [[(prefix: Int, causal: Int)]], time: Int) -> (segments: [Int32], regions: [UInt8]) {
    var segments: [Int32] = [], regions: [UInt8] = []
    for row in rows {
        var rowSegments: [Int32] = [], rowRegions: [UInt8] = []
        for (i, sample) in row.enumerated() {
            rowSegments += Array(repeating: Int32(i + 1), count: sample.prefix + sample.causal)
            rowRegions += Array(repeating: AttentionRegion.prefix.rawValue, count: sample.prefix)
            rowRegions += Array(repeating: AttentionRegion.causal.rawValue, count: sample.causal)
        }
        precondition(rowSegments.count <= time)
        let pad = time - rowSegments.count
        segments += rowSegments + Array(repeating: 0, count: pad)
        regions += rowRegions + Array(repeating: AttentionRegion.pad.rawValue, count: pad)
    }
    return (segments, regions)
}

/// The mask rule of docs/METHOD.md section 5, evaluated pair by pair.
private func visible(_ segments: [Int32], _ regions: [UInt8], _ t: Int, _ j: Int, bidirectional: Bool) -> Bool {
    let prefix = AttentionRegion.prefix.rawValue
    guard segments[t] != 0, segments[t] == segments[j] else { return false }
    return j <= t || (bidirectional && regions[t] == prefix && regions[j] == prefix)
}

/// One configuration of the kernels and buffers to run them on.
private struct Setup {
    let mask: AttentionMask
    let heads: Int
    let headDim: Int
    var tile = Attention.defaultTile
    var threads = 2
    var channels: Int { heads * headDim }
    var table: RotaryTable { RotaryTable(headDim: headDim, maxPositions: mask.time) }

    init(rows: [[(prefix: Int, causal: Int)]], time: Int, heads: Int, headDim: Int, bidirectional: Bool) throws {
        let (segments, regions) = packedRows(rows, time: time)
        mask = try AttentionMask(segments: segments, regions: regions, batch: rows.count, time: time,
                                 bidirectional: bidirectional)
        self.heads = heads
        self.headDim = headDim
    }

    /// RoPE + attention forward from the unrotated projection: (out, rotated qkv, log-sum-exp).
    func forward(_ qkv: [Float]) -> (out: [Float], rotated: [Float], lse: [Float]) {
        let rows = mask.batch * mask.time
        var rotated = qkv
        var out = [Float](repeating: .nan, count: rows * channels)
        var lse = [Float](repeating: .nan, count: mask.batch * heads * mask.time)
        var scratch = [Float](repeating: 0, count: Attention.scratchCount(time: mask.time, headDim: headDim, threads: threads, tile: tile))
        mask.position.withUnsafeBufferPointer { positions in
            Rotary.forward(qkv: &rotated, rows: rows, heads: heads, positions: positions.baseAddress!, table: table)
        }
        Attention.forward(qkv: rotated, out: &out, logSumExp: &lse, mask: mask, heads: heads, headDim: headDim,
                          scratch: &scratch, threads: threads, tile: tile)
        return (out, rotated, lse)
    }

    /// Gradient of sum(out * dout) with respect to the unrotated projection.
    func gradient(_ qkv: [Float], dout: [Float]) -> [Float] {
        let (out, rotated, lse) = forward(qkv)
        var dqkv = [Float](repeating: 0, count: qkv.count)
        var scratch = [Float](repeating: 0, count: Attention.scratchCount(time: mask.time, headDim: headDim, threads: threads, tile: tile))
        Attention.backward(qkv: rotated, out: out, logSumExp: lse, dout: dout, dqkv: &dqkv, mask: mask,
                           heads: heads, headDim: headDim, scratch: &scratch, threads: threads, tile: tile)
        mask.position.withUnsafeBufferPointer { positions in
            Rotary.backward(dqkv: &dqkv, rows: mask.batch * mask.time, heads: heads,
                            positions: positions.baseAddress!, table: table)
        }
        return dqkv
    }

    func randomInput(seed: UInt64, scale: Float = 1) -> [Float] {
        var rng = TestRNG(seed: seed)
        return rng.floats(mask.batch * mask.time * 3 * channels, scale: scale)
    }
}

/// Float64 RoPE + attention computed straight from the definitions (no key ranges, no tiles).
private func referenceAttention(_ qkv: [Float], segments: [Int32], regions: [UInt8], batch: Int, time: Int,
                                heads: Int, headDim: Int, bidirectional: Bool) -> [Double] {
    let d = heads * headDim, half = headDim / 2
    var x = qkv.map(Double.init)
    for b in 0..<batch {
        for t in 0..<time {
            var start = t
            while start > 0 && segments[b * time + start - 1] == segments[b * time + t] { start -= 1 }
            let p = Double(segments[b * time + t] == 0 ? 0 : t - start)
            for h in 0..<(2 * heads) {
                let a = (b * time + t) * 3 * d + h * headDim
                for i in 0..<half {
                    let angle = p * pow(10_000, -2 * Double(i) / Double(headDim))
                    let x0 = x[a + i], x1 = x[a + i + half]
                    x[a + i] = x0 * cos(angle) - x1 * sin(angle)
                    x[a + i + half] = x1 * cos(angle) + x0 * sin(angle)
                }
            }
        }
    }
    var out = [Double](repeating: 0, count: batch * time * d)
    let seg = { (b: Int) in Array(segments[(b * time)..<((b + 1) * time)]) }
    let reg = { (b: Int) in Array(regions[(b * time)..<((b + 1) * time)]) }
    for b in 0..<batch {
        let rowSegments = seg(b), rowRegions = reg(b)
        for h in 0..<heads {
            for t in 0..<time {
                let keys = (0..<time).filter { visible(rowSegments, rowRegions, t, $0, bidirectional: bidirectional) }
                guard !keys.isEmpty else { continue }
                let q = (b * time + t) * 3 * d + h * headDim
                let scores = keys.map { j -> Double in
                    let k = (b * time + j) * 3 * d + d + h * headDim
                    return (0..<headDim).reduce(0) { $0 + x[q + $1] * x[k + $1] } / Double(headDim).squareRoot()
                }
                let top = scores.max()!
                let weights = scores.map { exp($0 - top) }
                let sum = weights.reduce(0, +)
                for (j, w) in zip(keys, weights) {
                    let v = (b * time + j) * 3 * d + 2 * d + h * headDim
                    for c in 0..<headDim { out[(b * time + t) * d + h * headDim + c] += w / sum * x[v + c] }
                }
            }
        }
    }
    return out
}

/// CPU seconds used by all threads of the process: a figure the other jobs on the machine disturb less.
private func processCPUTime() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Indices of a position's channels in a (batch, time, width) buffer.
private func channelRange(b: Int, t: Int, time: Int, width: Int) -> Range<Int> {
    ((b * time + t) * width)..<((b * time + t + 1) * width)
}

@Suite struct AttentionTests {
    static let mixedRows: [[(prefix: Int, causal: Int)]] = [
        [(prefix: 5, causal: 9), (prefix: 0, causal: 7), (prefix: 12, causal: 1)],
        [(prefix: 20, causal: 13), (prefix: 3, causal: 4)],
    ]

    @Test(arguments: [false, true])
    func keyRangesFollowTheMaskRule(bidirectional: Bool) throws {
        let time = 40
        let (segments, regions) = packedRows(Self.mixedRows, time: time)
        let mask = try AttentionMask(segments: segments, regions: regions, batch: 2, time: time, bidirectional: bidirectional)
        for b in 0..<2 {
            let rowSegments = Array(segments[(b * time)..<((b + 1) * time)])
            let rowRegions = Array(regions[(b * time)..<((b + 1) * time)])
            for t in 0..<time {
                let range = Int(mask.keyStart[b * time + t])..<Int(mask.keyEnd[b * time + t])
                for j in 0..<time {
                    #expect(range.contains(j) == visible(rowSegments, rowRegions, t, j, bidirectional: bidirectional),
                            "row \(b) query \(t) key \(j)")
                }
            }
        }
        // The causal-flag form gives the same mask.
        let causal = regions.map { $0 == AttentionRegion.causal.rawValue }
        let fromFlags = try AttentionMask(segments: segments, causal: causal, batch: 2, time: time, bidirectional: bidirectional)
        #expect(fromFlags.keyStart == mask.keyStart && fromFlags.keyEnd == mask.keyEnd && fromFlags.position == mask.position)
        // Positions restart at every sample.
        #expect(Array(mask.position[0..<16]) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0, 1])
    }

    @Test func malformedRowsAreRejected() {
        // A prefix position after the causal region started.
        #expect(throws: AttentionMaskError.self) {
            try AttentionMask(segments: [1, 1, 1, 0], regions: [1, 2, 1, 0], batch: 1, time: 4, bidirectional: true)
        }
        // A segment split in two.
        #expect(throws: AttentionMaskError.self) {
            try AttentionMask(segments: [1, 2, 1, 0], regions: [2, 2, 2, 0], batch: 1, time: 4, bidirectional: false)
        }
        // Padding with a region.
        #expect(throws: AttentionMaskError.self) {
            try AttentionMask(segments: [1, 0], regions: [2, 2], batch: 1, time: 2, bidirectional: false)
        }
    }

    /// Several tile sizes so that tiles cross, and rows long enough for the vector paths.
    @Test(arguments: [(false, 128), (true, 128), (false, 7), (true, 16)])
    func forwardMatchesFloat64Reference(bidirectional: Bool, tile: Int) throws {
        let rows = Self.twoSamplesPerRow
        var setup = try Setup(rows: rows, time: 100, heads: 2, headDim: 8, bidirectional: bidirectional)
        setup.tile = tile
        let qkv = setup.randomInput(seed: 7, scale: 2)
        let out = setup.forward(qkv).out
        let (segments, regions) = packedRows(rows, time: 100)
        let reference = referenceAttention(qkv, segments: segments, regions: regions, batch: 2, time: 100,
                                           heads: 2, headDim: 8, bidirectional: bidirectional)
        let error = zip(out, reference).reduce(0) { max($0, abs(Double($1.0) - $1.1)) }
        #expect(error < 2e-5, "max error \(error)")
    }

    /// Two rows of two samples each, of odd and even lengths.
    static let twoSamplesPerRow: [[(prefix: Int, causal: Int)]] = [
        [(prefix: 37, causal: 50), (prefix: 0, causal: 9)],
        [(prefix: 3, causal: 2), (prefix: 60, causal: 30)],
    ]

    /// With bf16 tile products forward stays within bf16's rounding of the Float64 reference
    /// (relative to its largest output), and the gradient within it, in norm, of the fp32 kernels'
    /// gradient; at tile sizes that cross samples, and odd key counts. On each bf16 path.
    @Test(.enabled(if: BF16Path.here == .native, "no AVX512-BF16 on this CPU: the tile kernel is not used here"),
          arguments: [(false, 64), (true, 64), (true, 7)])
    func nativeBF16TilesStayWithinBF16RoundingOfFP32(bidirectional: Bool, tile: Int) throws {
        try bf16TilesStayWithinBF16RoundingOfFP32(.native, bidirectional: bidirectional, tile: tile)
    }

    @Test(arguments: [(false, 64), (true, 64), (true, 7)])
    func portableBF16TilesStayWithinBF16RoundingOfFP32(bidirectional: Bool, tile: Int) throws {
        try bf16TilesStayWithinBF16RoundingOfFP32(.portable, bidirectional: bidirectional, tile: tile)
    }

    private func bf16TilesStayWithinBF16RoundingOfFP32(_ path: BF16Path, bidirectional: Bool, tile: Int) throws {
        let rows = Self.twoSamplesPerRow
        var setup = try Setup(rows: rows, time: 100, heads: 2, headDim: 32, bidirectional: bidirectional)
        setup.tile = tile
        let qkv = setup.randomInput(seed: 17, scale: 2)
        var rng = TestRNG(seed: 18)
        let dout = rng.floats(2 * 100 * setup.channels)
        let g32 = setup.gradient(qkv, dout: dout)
        Engine.configure(threads: Parallel.workers, precision: .bf16, bf16Path: path)
        defer { Engine.configure(threads: Parallel.workers, precision: .fp32) }
        let out = setup.forward(qkv).out, g16 = setup.gradient(qkv, dout: dout)
        let (segments, regions) = packedRows(rows, time: 100)
        let reference = referenceAttention(qkv, segments: segments, regions: regions, batch: 2, time: 100,
                                           heads: 2, headDim: 32, bidirectional: bidirectional)
        let error = zip(out, reference).reduce(0) { max($0, abs(Double($1.0) - $1.1)) }
        let largest = reference.reduce(0) { max($0, abs($1)) }
        // bf16 keeps 8 significant bits: 2^-8 relative per operand.
        #expect(error < 0x1p-8 * 4 * largest, "max error \(error) at values up to \(largest)")
        #expect(error > 1e-6, "bf16 tiles changed nothing: are they used?")
        let norm = { (x: [Float]) in x.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
        let difference = norm(zip(g16, g32).map { $0 - $1 })
        #expect(difference < 0x1p-8 * 4 * norm(g32), "gradient difference \(difference), norm \(norm(g32))")
    }

    /// Finite differences of sum(out * G) against backward, for every entry of q, k and v.
    @Test(arguments: [false, true])
    func gradientsMatchFiniteDifferences(bidirectional: Bool) throws {
        var setup = try Setup(rows: Self.mixedRows, time: 40, heads: 2, headDim: 4, bidirectional: bidirectional)
        setup.tile = 8
        let rows = setup.mask.batch * setup.mask.time, d = setup.channels
        var rng = TestRNG(seed: 11)
        // q, k and v as separate tensors, interleaved into the fused projection for the kernels.
        let parts = (0..<3).map { _ in Tensor(random: rows * d, &rng) }
        let weights = Tensor(random: rows * d, &rng)
        func fused() -> [Float] {
            var qkv = [Float](repeating: 0, count: rows * 3 * d)
            for r in 0..<rows {
                for i in 0..<3 {
                    for c in 0..<d { qkv[r * 3 * d + i * d + c] = parts[i][r * d + c] }
                }
            }
            return qkv
        }
        let dqkv = setup.gradient(fused(), dout: weights.array)
        for (i, name) in ["q", "k", "v"].enumerated() {
            let analytic = Tensor(count: rows * d)
            for r in 0..<rows {
                for c in 0..<d { analytic[r * d + c] = dqkv[r * 3 * d + i * d + c] }
            }
            checkGradient("attention d\(name) (bidirectional: \(bidirectional))", input: parts[i], analytic: analytic,
                          samples: rows * d) {
                projection(Tensor(setup.forward(fused()).out), weights)
            }
        }
        // Padding positions (row 0, 34..<40) take part in nothing: zero gradient.
        for t in 34..<40 { #expect(dqkv[channelRange(b: 0, t: t, time: 40, width: 3 * d)].allSatisfy { $0 == 0 }) }
    }

    @Test(arguments: [false, true])
    func samplesIgnoreTheirNeighbours(bidirectional: Bool) throws {
        // Sample A (prefix 6, causal 10) first in row 0, and second in row 1 behind another sample.
        let rows: [[(prefix: Int, causal: Int)]] = [
            [(prefix: 6, causal: 10), (prefix: 4, causal: 8)],
            [(prefix: 9, causal: 5), (prefix: 6, causal: 10)],
        ]
        let time = 32, heads = 2, headDim = 8
        let setup = try Setup(rows: rows, time: time, heads: heads, headDim: headDim, bidirectional: bidirectional)
        let width = 3 * setup.channels, d = setup.channels
        var qkv = setup.randomInput(seed: 21)
        // Copy A's projection to its place in row 1 (positions 14..<30).
        for t in 0..<16 {
            qkv.replaceSubrange(channelRange(b: 1, t: 14 + t, time: time, width: width),
                                with: qkv[channelRange(b: 0, t: t, time: time, width: width)])
        }
        var rng = TestRNG(seed: 22)
        var dout = rng.floats(2 * time * d)
        for t in 0..<16 {
            dout.replaceSubrange(channelRange(b: 1, t: 14 + t, time: time, width: d),
                                 with: dout[channelRange(b: 0, t: t, time: time, width: d)])
        }
        let out = setup.forward(qkv).out
        let grad = setup.gradient(qkv, dout: dout)
        // Same sample at another offset: same outputs and gradients (positions restart per sample).
        for t in 0..<16 {
            let a = channelRange(b: 0, t: t, time: time, width: d), b = channelRange(b: 1, t: 14 + t, time: time, width: d)
            #expect(maxDifference(Array(out[a]), Array(out[b])) < 1e-5)
            let ga = channelRange(b: 0, t: t, time: time, width: width), gb = channelRange(b: 1, t: 14 + t, time: time, width: width)
            #expect(maxDifference(Array(grad[ga]), Array(grad[gb])) < 1e-5)
        }
        // Change the neighbour (row 0, positions 16..<28, and padding) and its output gradient.
        var other = qkv, otherDout = dout
        var noise = TestRNG(seed: 23)
        for t in 16..<time {
            for i in channelRange(b: 0, t: t, time: time, width: width) { other[i] = 3 * noise.symmetric() }
            for i in channelRange(b: 0, t: t, time: time, width: d) { otherDout[i] = noise.symmetric() }
        }
        let out2 = setup.forward(other).out
        let grad2 = setup.gradient(other, dout: otherDout)
        let a = channelRange(b: 0, t: 0, time: time, width: d).lowerBound..<channelRange(b: 0, t: 15, time: time, width: d).upperBound
        #expect(Array(out[a]) == Array(out2[a]))
        let ga = 0..<(16 * width)
        #expect(Array(grad[ga]) == Array(grad2[ga]))
        // The neighbour's own outputs did change (the test can tell).
        let n = channelRange(b: 0, t: 20, time: time, width: d)
        #expect(Array(out[n]) != Array(out2[n]))
    }

    /// Changing position p changes no output before p, except prefix outputs when p is in the prefix
    /// and the mode is bidirectional.
    @Test(arguments: [false, true])
    func noOutputDependsOnLaterTargets(bidirectional: Bool) throws {
        let rows: [[(prefix: Int, causal: Int)]] = [[(prefix: 8, causal: 12)]]
        let time = 20, prefix = 8
        let setup = try Setup(rows: rows, time: time, heads: 2, headDim: 8, bidirectional: bidirectional)
        let d = setup.channels, width = 3 * d
        let qkv = setup.randomInput(seed: 31)
        let out = setup.forward(qkv).out
        var noise = TestRNG(seed: 32)
        for p in [2, prefix, 13, time - 1] {
            var changed = qkv
            for i in channelRange(b: 0, t: p, time: time, width: width) { changed[i] = 3 * noise.symmetric() }
            let out2 = setup.forward(changed).out
            for t in 0..<time {
                let range = channelRange(b: 0, t: t, time: time, width: d)
                let same = Array(out[range]) == Array(out2[range])
                let mayChange = t >= p || (bidirectional && p < prefix && t < prefix)
                if !mayChange { #expect(same, "position \(p) changed the output at \(t)") }
                // The dependencies that should exist do exist.
                if t == p || (bidirectional && p < prefix && t == 0) { #expect(!same, "position \(p) did not reach \(t)") }
            }
        }
    }

    /// Backward adds to dqkv (the kernels' convention), it does not overwrite it.
    @Test func backwardAccumulates() throws {
        let setup = try Setup(rows: Self.mixedRows, time: 40, heads: 2, headDim: 8, bidirectional: true)
        let qkv = setup.randomInput(seed: 45)
        var rng = TestRNG(seed: 46)
        let dout = rng.floats(2 * 40 * setup.channels)
        let (out, rotated, lse) = setup.forward(qkv)
        var dqkv = [Float](repeating: 0, count: qkv.count)
        var scratch = [Float](repeating: 0, count: Attention.scratchCount(time: 40, headDim: 8))
        for _ in 0..<2 {
            Attention.backward(qkv: rotated, out: out, logSumExp: lse, dout: dout, dqkv: &dqkv, mask: setup.mask,
                               heads: 2, headDim: 8, scratch: &scratch)
        }
        let once = setup.gradient(qkv, dout: dout.map { 2 * $0 })  // linear in dout
        var twice = dqkv
        setup.mask.position.withUnsafeBufferPointer { positions in
            Rotary.backward(dqkv: &twice, rows: 80, heads: 2, positions: positions.baseAddress!, table: setup.table)
        }
        #expect(maxDifference(once, twice) < 1e-5)
        #expect(twice.contains { $0 != 0 })
    }

    @Test func threadCountDoesNotChangeResults() throws {
        var setup = try Setup(rows: Self.mixedRows, time: 40, heads: 3, headDim: 8, bidirectional: true)
        let qkv = setup.randomInput(seed: 41)
        var rng = TestRNG(seed: 42)
        let dout = rng.floats(2 * 40 * setup.channels)
        setup.threads = 1
        let (out1, grad1) = (setup.forward(qkv).out, setup.gradient(qkv, dout: dout))
        setup.threads = 2
        #expect(setup.forward(qkv).out == out1)
        #expect(setup.gradient(qkv, dout: dout) == grad1)
    }

    /// Decoding token by token from a cache gives the full forward's outputs.
    @Test(arguments: [false, true])
    func cachedDecodingMatchesFullForward(bidirectional: Bool) throws {
        // Decoded samples: row 0's first (prompt 9 = prefix 8 + START), row 1's second (prompt 5).
        let rows: [[(prefix: Int, causal: Int)]] = [
            [(prefix: 8, causal: 15), (prefix: 2, causal: 3)],
            [(prefix: 6, causal: 6), (prefix: 4, causal: 15)],
        ]
        let time = 32, heads = 2, headDim = 8
        let setup = try Setup(rows: rows, time: time, heads: heads, headDim: headDim, bidirectional: bidirectional)
        let d = setup.channels, width = 3 * d
        let qkv = setup.randomInput(seed: 51, scale: 2)
        let (out, rotated, _) = setup.forward(qkv)
        let starts = [(b: 0, start: 0, prompt: 9), (b: 1, start: 12, prompt: 5)]
        let steps = 14
        let cache = AttentionCache(batch: 2, capacity: 24, heads: heads, headDim: headDim)
        for (i, s) in starts.enumerated() {
            let first = channelRange(b: s.b, t: s.start, time: time, width: width).lowerBound
            rotated.withUnsafeBufferPointer { cache.append(sample: i, qkv: $0.baseAddress! + first, count: s.prompt) }
        }
        var worst: Float = 0
        for step in 0..<steps {
            var token = [Float](), expected = [Float]()
            for s in starts {
                let t = s.start + s.prompt + step
                token += qkv[channelRange(b: s.b, t: t, time: time, width: width)]
                expected += out[channelRange(b: s.b, t: t, time: time, width: d)]
            }
            var stepOut = [Float](repeating: .nan, count: 2 * d)
            Attention.step(qkv: &token, out: &stepOut, cache: cache, table: setup.table)
            worst = max(worst, maxDifference(stepOut, expected))
        }
        #expect(worst < 1e-5, "max difference \(worst)")
        #expect(cache.lengths == [9 + steps, 5 + steps])
    }

    /// Figures for `make bench-attention`; runs only when BIRDIE_BENCH_ATTENTION is set
    /// (BIRDIE_BENCH_TILE=n tries another query tile size). Each layout and thread count runs in
    /// fp32 (OpenBLAS tiles) and bf16 (this CPU's bf16 path: our AVX512-BF16 tiles, or the portable
    /// ones), each next to its ceiling measured now.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BIRDIE_BENCH_ATTENTION"] != nil))
    func benchmark() throws {
        let batch = 8, time = 512, heads = 4, headDim = 64
        let layouts: [(name: String, rows: [(prefix: Int, causal: Int)], bidirectional: Bool)] = [
            ("causal, 1 sample/row", [(prefix: 0, causal: 512)], false),
            ("prefix-LM, 1 sample/row (prefix 256)", [(prefix: 256, causal: 256)], true),
            ("prefix-LM, 4 samples/row", [(prefix: 60, causal: 68), (prefix: 100, causal: 28), (prefix: 30, causal: 98), (prefix: 64, causal: 60)], true),
        ]
        let tile = Int(ProcessInfo.processInfo.environment["BIRDIE_BENCH_TILE"] ?? "") ?? Attention.defaultTile
        // The ceilings, measured now on one thread (each worker runs its own products): the tile
        // products alone at their two shapes, in OpenBLAS sgemm and in our bf16 kernel.
        let shapes = [StepProfile.Shape(transA: false, transB: true, m: tile, n: time, k: headDim),
                      StepProfile.Shape(transA: false, transB: false, m: tile, n: headDim, k: time)]
        let blasThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        let sgemmAlone = shapes.map { $0.flops / StepProfile.aloneSeconds($0) / 1e9 }
        openblas_set_num_threads(blasThreads)
        let tilesAlone = shapes.map { $0.flops / bf16TileSeconds($0) / 1e9 }
        print(String(format: "attention ceilings on 1 thread: sgemm %d x %d x %d NT %.1f, %d x %d x %d NN %.1f GFLOP/s; bf16 tiles (%@ path) NT %.1f, NN %.1f GFLOP/s",
                     tile, time, headDim, sgemmAlone[0], tile, headDim, time, sgemmAlone[1], BF16Path.here.rawValue, tilesAlone[0], tilesAlone[1]))
        defer { Engine.configure(threads: Parallel.workers, precision: .fp32) }
        for layout in layouts {
            for threads in [1, 2] {
                var setup = try Setup(rows: Array(repeating: layout.rows, count: batch), time: time, heads: heads,
                                      headDim: headDim, bidirectional: layout.bidirectional)
                setup.threads = threads
                setup.tile = tile
                let d = setup.channels
                let qkv = setup.randomInput(seed: 61)
                var out = [Float](repeating: 0, count: batch * time * d)
                var lse = [Float](repeating: 0, count: batch * heads * time)
                var dqkv = [Float](repeating: 0, count: qkv.count)
                var rng = TestRNG(seed: 62)
                let dout = rng.floats(batch * time * d)
                var scratch = [Float](repeating: 0, count: Attention.scratchCount(time: time, headDim: headDim, threads: threads, tile: tile))
                var fp32Seconds = 0.0
                for precision in Precision.allCases {
                    Engine.configure(threads: Parallel.workers, precision: PrecisionChoice(precision))
                    var forwardTimes: [Double] = [], backwardTimes: [Double] = [], cpuTimes: [Double] = []
                    for _ in 0..<5 {
                        let c0 = processCPUTime()
                        let t0 = Date()
                        Attention.forward(qkv: qkv, out: &out, logSumExp: &lse, mask: setup.mask, heads: heads,
                                          headDim: headDim, scratch: &scratch, threads: threads, tile: tile)
                        let t1 = Date()
                        Attention.backward(qkv: qkv, out: out, logSumExp: lse, dout: dout, dqkv: &dqkv, mask: setup.mask,
                                           heads: heads, headDim: headDim, scratch: &scratch, threads: threads, tile: tile)
                        let t2 = Date()
                        cpuTimes.append(processCPUTime() - c0)
                        forwardTimes.append(t1.timeIntervalSince(t0))
                        backwardTimes.append(t2.timeIntervalSince(t1))
                    }
                    let median = { (x: [Double]) in x.sorted()[x.count / 2] }
                    // Useful FLOPs: 2 products of 2 * headDim per visible pair forward, 4 backward.
                    let pairs = Double(setup.mask.visiblePairs * heads)
                    let forwardFlops = 4 * Double(headDim) * pairs, backwardFlops = 8 * Double(headDim) * pairs
                    let (f, b, cpu) = (median(forwardTimes), median(backwardTimes), median(cpuTimes))
                    let alone = precision == .bf16 ? tilesAlone : sgemmAlone
                    let ceiling = Double(threads) * alone.reduce(0, +) / Double(alone.count)
                    let gflops = (forwardFlops + backwardFlops) / (f + b) / 1e9
                    if precision == .fp32 { fp32Seconds = f + b }
                    print(String(format: "attention %@ B%d T%d d%d H%d, %@, %d thread(s): forward %.1f ms (%.1f GFLOP/s), backward %.1f ms (%.1f GFLOP/s), forward+backward %.1f GFLOP/s wall, %.1f per CPU-second; %.0f%% of the tile products' ceiling (%.1f GFLOP/s = %d x its 1-thread mean)%@",
                                 precision.rawValue, batch, time, d, heads, layout.name, threads, f * 1e3, forwardFlops / f / 1e9,
                                 b * 1e3, backwardFlops / b / 1e9, gflops, (forwardFlops + backwardFlops) / cpu / 1e9,
                                 100 * gflops / ceiling, ceiling, threads,
                                 precision == .bf16 ? String(format: "; %.2fx fp32's speed", fp32Seconds / (f + b)) : ""))
                    #expect(out.allSatisfy { $0.isFinite } && dqkv.allSatisfy { $0.isFinite })
                }
            }
        }
    }

    /// Seconds of one bf16 tile product of this shape alone on this CPU's path (median of 21 after
    /// a warm-up; OpenBLAS on one thread, as inside the attention kernel).
    private func bf16TileSeconds(_ s: StepProfile.Shape) -> Double {
        let a = [Float](repeating: 0.5, count: s.m * s.k), b = [Float](repeating: 0.25, count: s.k * s.n)
        var c = [Float](repeating: 0, count: s.m * s.n)
        var work = [Float](repeating: 0, count: BF16Tiles.workBytes(m: s.m, n: s.n, k: s.k) / 4)
        let blasThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(blasThreads) }
        var times: [Double] = []
        for _ in 0...21 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            BF16Tiles.gemm(BF16Path.here, transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: 1, a: a, lda: s.transA ? s.m : s.k,
                           b: b, ldb: s.transB ? s.k : s.n, beta: 0, c: &c, ldc: s.n, work: &work)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return times.dropFirst().sorted()[10]
    }
}
