import Foundation
import Testing
@testable import Kernels

/// Two packed rows of 12 positions: samples with a prefix then a causal region, padding (0) at the end.
struct PackedRows {
    static let batch = 2, time = 12
    static let segments: [Int32] = [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 0,
                                    1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]
    static let causal: [Bool] = [false, false, true, true, true, false, false, false, true, true, true, false,
                                 false, false, false, true, true, true, true, false, false, true, true, true]
    /// Exact masks (written out by hand from the rule in docs/METHOD.md sections 2 and 5).
    static let forwardCarry: [Float] = [0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0,
                                        0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1]
    static let reverseCarry: [Float] = [1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0,
                                        1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]

    static func carry(_ direction: ScanDirection) -> Tensor {
        let c = Tensor(count: batch * time)
        segments.withUnsafeBufferPointer { s in
            causal.withUnsafeBufferPointer { k in
                switch direction {
                case .forward: ScanCarry.forward(segments: s.baseAddress!, carry: c.p, batch: batch, time: time)
                case .reverse: ScanCarry.reverse(segments: s.baseAddress!, causal: k.baseAddress!, carry: c.p, batch: batch, time: time)
                }
            }
        }
        return c
    }
}

@Suite("Kernels: scans, convolution and RG-LRU")
struct ScanKernelTests {
    static let directions: [ScanDirection] = [.forward, .reverse]
    // The scanned slice: `channels` of every `stride` floats, starting at `offset` (the reverse half
    // of a bidirectional layer is such a slice).
    let channels = 20, stride = 26, offset = 3
    var size: Int { PackedRows.batch * PackedRows.time * stride }

    @Test func carryMasksFollowTheResetRules() {
        #expect(PackedRows.carry(.forward).array == PackedRows.forwardCarry)
        #expect(PackedRows.carry(.reverse).array == PackedRows.reverseCarry)
    }

    @Test(arguments: directions)
    func linearScanGradients(_ direction: ScanDirection) {
        var rng = TestRNG(seed: 21)
        let (B, T) = (PackedRows.batch, PackedRows.time)
        let a = Tensor(random: size, &rng, scale: 0.5, offset: 0.45), x = Tensor(random: size, &rng)
        let h = Tensor(count: size), r = Tensor(random: size, &rng), carry = PackedRows.carry(direction)
        func loss() -> Double {
            LinearScan.forward(direction, a: a.p + offset, x: x.p + offset, h: h.p + offset, carry: carry.p,
                               batch: B, time: T, channels: channels, stride: stride)
            return projection(h, r)
        }
        _ = loss()
        let da = Tensor(count: size), dx = Tensor(count: size)
        LinearScan.backward(direction, a: a.p + offset, h: h.p + offset, carry: carry.p, dh: r.p + offset,
                            da: da.p + offset, dx: dx.p + offset, batch: B, time: T, channels: channels, stride: stride)
        checkGradient("\(direction) scan da", input: a, analytic: da, samples: 80, loss: loss)
        checkGradient("\(direction) scan dx", input: x, analytic: dx, samples: 80, loss: loss)
        // Outside the slice nothing is read or written.
        for i in 0..<size where !(offset..<offset + channels).contains(i % stride) { #expect(h[i] == 0 && da[i] == 0) }
    }

    /// What each position may depend on: its own sample only; forward: earlier positions;
    /// reverse: later prefix positions of its sample, from a prefix position (a causal one: only itself).
    static func allowed(_ direction: ScanDirection, from s: Int, to t: Int, row b: Int) -> Bool {
        let (T, seg, causal) = (PackedRows.time, PackedRows.segments, PackedRows.causal)
        guard seg[b * T + s] == seg[b * T + t] else { return false }
        switch direction {
        case .forward: return s <= t
        case .reverse: return s == t || (s > t && (t...s).allSatisfy { !causal[b * T + $0] })
        }
    }

    /// Perturbs one position's input and lists the positions whose output changed.
    func dependencies(_ run: (Tensor) -> Tensor, input: Tensor, b: Int, s: Int) -> Set<Int> {
        let before = run(input).array
        let saved = (0..<stride).map { input[(b * PackedRows.time + s) * stride + $0] }
        for c in 0..<stride { input[(b * PackedRows.time + s) * stride + c] += 0.5 }
        let after = run(input).array
        for c in 0..<stride { input[(b * PackedRows.time + s) * stride + c] = saved[c] }
        var changed = Set<Int>()
        for i in 0..<before.count where before[i] != after[i] { changed.insert(i / stride) }
        return changed
    }

    @Test(arguments: directions)
    func linearScanIsolation(_ direction: ScanDirection) {
        var rng = TestRNG(seed: 22)
        let (B, T) = (PackedRows.batch, PackedRows.time)
        let a = Tensor(random: size, &rng, scale: 0.4, offset: 0.5), x = Tensor(random: size, &rng)
        let carry = PackedRows.carry(direction)
        let run = { (x: Tensor) -> Tensor in
            let h = Tensor(count: self.size)
            LinearScan.forward(direction, a: a.p, x: x.p, h: h.p, carry: carry.p, batch: B, time: T, channels: self.stride, stride: self.stride)
            return h
        }
        for b in 0..<B { for s in 0..<T {
            let changed = dependencies(run, input: x, b: b, s: s)
            for row in 0..<B * T {
                let expected = row / T == b && Self.allowed(direction, from: s, to: row % T, row: b)
                #expect(changed.contains(row) == expected, "\(direction): input \(b),\(s) -> output \(row / T),\(row % T)")
            }
        } }
    }

    @Test func conv1DGradientsAndIsolation() {
        var rng = TestRNG(seed: 23)
        let (B, T, C, K) = (PackedRows.batch, PackedRows.time, 19, 4)
        let x = Tensor(random: B * T * C, &rng), w = Tensor(random: K * C, &rng), bias = Tensor(random: C, &rng)
        let y = Tensor(count: B * T * C), r = Tensor(random: B * T * C, &rng)
        func forward(_ x: Tensor, _ y: Tensor) {
            PackedRows.segments.withUnsafeBufferPointer {
                Conv1D.forward(x: x.p, weight: w.p, bias: bias.p, y: y.p, segments: $0.baseAddress!, batch: B, time: T, channels: C)
            }
        }
        func loss() -> Double { forward(x, y); return projection(y, r) }
        _ = loss()
        let dx = Tensor(count: B * T * C), dw = Tensor(count: K * C), db = Tensor(count: C)
        PackedRows.segments.withUnsafeBufferPointer {
            Conv1D.backward(x: x.p, weight: w.p, dy: r.p, dx: dx.p, dWeight: dw.p, dBias: db.p, segments: $0.baseAddress!,
                            batch: B, time: T, channels: C)
        }
        checkGradient("conv1d dx", input: x, analytic: dx, samples: 80, loss: loss)
        checkGradient("conv1d dWeight", input: w, analytic: dw, samples: 76, loss: loss)
        checkGradient("conv1d dBias", input: bias, analytic: db, loss: loss)
        // Dependencies: position s reaches t iff same sample and 0 <= t - s < K.
        forward(x, y)
        for b in 0..<B { for s in 0..<T {
            let before = y.copy(), saved = x.copy()
            for c in 0..<C { x[(b * T + s) * C + c] += 1 }
            forward(x, y)
            for row in 0..<B * T {
                let t = row % T
                let changed = (0..<C).contains { before[row * C + $0] != y[row * C + $0] }
                let expected = row / T == b && t >= s && t - s < K && PackedRows.segments[row] == PackedRows.segments[b * T + s]
                #expect(changed == expected, "conv: input \(b),\(s) -> output \(row / T),\(t)")
            }
            x.p.update(from: saved.p, count: x.count)
            forward(x, y)
        } }
    }

    @Test(arguments: directions)
    func rglruGradientsAndIsolation(_ direction: ScanDirection) {
        var rng = TestRNG(seed: 24)
        let (B, T) = (PackedRows.batch, PackedRows.time)
        let u = Tensor(random: size, &rng), rPre = Tensor(random: size, &rng, scale: 2), iPre = Tensor(random: size, &rng, scale: 2)
        // softplus(lambda) in [0.2, 1.4]: a = exp(-8 r softplus) spans strong and weak decay.
        let lambda = Tensor(random: stride, &rng, scale: 1, offset: -0.2)
        let h = Tensor(count: size), r = Tensor(random: size, &rng), carry = PackedRows.carry(direction)
        func forward(_ u: Tensor, _ h: Tensor) {
            RGLRU.forward(direction, u: u.p + offset, rPre: rPre.p + offset, iPre: iPre.p + offset, lambda: lambda.p + offset,
                          carry: carry.p, h: h.p + offset, batch: B, time: T, channels: channels, stride: stride)
        }
        func loss() -> Double { forward(u, h); return projection(h, r) }
        _ = loss()
        // Reference forward in Double, written from the formula.
        for b in 0..<B { for c in offset..<offset + channels {
            var state = 0.0
            for k in 0..<T {
                let t = direction == .forward ? k : T - 1 - k
                let o = (b * T + t) * stride + c
                let sig = { (v: Float) in 1 / (1 + Foundation.exp(-Double(v))) }
                let a = Foundation.exp(-8 * sig(rPre[o]) * Foundation.log1p(Foundation.exp(Double(lambda[c]))))
                let x = sig(iPre[o]) * Double(u[o])
                state = k > 0 && carry[b * T + t] != 0 ? a * state + (1 - a * a).squareRoot() * x : x
                #expect(abs(Double(h[o]) - state) < 1e-5)
            }
        } }
        let du = Tensor(count: size), dr = Tensor(count: size), di = Tensor(count: size), dl = Tensor(count: stride)
        RGLRU.backward(direction, u: u.p + offset, rPre: rPre.p + offset, iPre: iPre.p + offset, lambda: lambda.p + offset,
                       carry: carry.p, h: h.p + offset, dh: r.p + offset, du: du.p + offset, drPre: dr.p + offset,
                       diPre: di.p + offset, dLambda: dl.p + offset, batch: B, time: T, channels: channels, stride: stride)
        checkGradient("\(direction) rglru du", input: u, analytic: du, samples: 80, loss: loss)
        checkGradient("\(direction) rglru drPre", input: rPre, analytic: dr, epsilon: 3e-3, samples: 80, loss: loss)
        checkGradient("\(direction) rglru diPre", input: iPre, analytic: di, epsilon: 3e-3, samples: 80, loss: loss)
        checkGradient("\(direction) rglru dLambda", input: lambda, analytic: dl, epsilon: 3e-3, samples: stride, loss: loss)
        // Isolation, as for the linear scan.
        let run = { (u: Tensor) -> Tensor in let h = Tensor(count: self.size); forward(u, h); return h }
        for b in 0..<B { for s in 0..<T {
            let changed = dependencies(run, input: u, b: b, s: s)
            for row in 0..<B * T {
                let expected = row / T == b && Self.allowed(direction, from: s, to: row % T, row: b)
                #expect(changed.contains(row) == expected, "rglru \(direction): input \(b),\(s) -> output \(row / T),\(row % T)")
            }
        } }
    }

    /// Where a -> 1 the true derivative of sqrt(1 - a^2) blows up; the backward pass bounds it.
    @Test func rglruSquareRootGradientIsBounded() {
        let (B, T, C) = (1, 3, 1)
        let u = Tensor([1, 1, 1]), rPre = Tensor([-30, -30, -30]), iPre = Tensor([30, 30, 30])
        let lambda = Tensor([-20])  // softplus ~ 2e-9: a = exp(-8 r sp) is 1 to Float precision
        let carry = Tensor([0, 1, 1]), h = Tensor(count: 3), dh = Tensor([0, 0, 1])
        RGLRU.forward(.forward, u: u.p, rPre: rPre.p, iPre: iPre.p, lambda: lambda.p, carry: carry.p, h: h.p, batch: B, time: T, channels: C, stride: C)
        let du = Tensor(count: 3), dr = Tensor(count: 3), di = Tensor(count: 3), dl = Tensor(count: 1)
        RGLRU.backward(.forward, u: u.p, rPre: rPre.p, iPre: iPre.p, lambda: lambda.p, carry: carry.p, h: h.p, dh: dh.p,
                       du: du.p, drPre: dr.p, diPre: di.p, dLambda: dl.p, batch: B, time: T, channels: C, stride: C)
        for t in [du, dr, di, dl] { for i in 0..<t.count { #expect(t[i].isFinite) } }
        #expect(h[0] == 1)  // the sqrt factor is 1 at the sample start
    }
}

@Suite("Kernels: determinism")
struct DeterminismTests {
    /// The kernels that reduce across threads give bitwise the same results for 1 or 4 workers.
    @Test func resultsDoNotDependOnTheWorkerCount() {
        var rng = TestRNG(seed: 41)
        let (B, T, C) = (3, 40, 48)
        let n = B * T * C
        let u = Tensor(random: n, &rng), rPre = Tensor(random: n, &rng), iPre = Tensor(random: n, &rng)
        let lambda = Tensor(random: C, &rng), dh = Tensor(random: n, &rng), w = Tensor(random: 4 * C, &rng)
        let segments = [Int32]((0..<B * T).map { Int32($0 / 7 + 1) })
        let carry = Tensor(count: B * T)
        segments.withUnsafeBufferPointer { ScanCarry.forward(segments: $0.baseAddress!, carry: carry.p, batch: B, time: T) }
        func run(workers: Int) -> [[Float]] {
            let saved = Parallel.workers
            Parallel.workers = workers
            defer { Parallel.workers = saved }
            let h = Tensor(count: n), du = Tensor(count: n), dr = Tensor(count: n), di = Tensor(count: n), dl = Tensor(count: C)
            RGLRU.forward(.forward, u: u.p, rPre: rPre.p, iPre: iPre.p, lambda: lambda.p, carry: carry.p, h: h.p, batch: B, time: T, channels: C, stride: C)
            RGLRU.backward(.forward, u: u.p, rPre: rPre.p, iPre: iPre.p, lambda: lambda.p, carry: carry.p, h: h.p, dh: dh.p,
                           du: du.p, drPre: dr.p, diPre: di.p, dLambda: dl.p, batch: B, time: T, channels: C, stride: C)
            let dx = Tensor(count: n), dw = Tensor(count: 4 * C), db = Tensor(count: C)
            segments.withUnsafeBufferPointer {
                Conv1D.backward(x: u.p, weight: w.p, dy: dh.p, dx: dx.p, dWeight: dw.p, dBias: db.p, segments: $0.baseAddress!,
                                batch: B, time: T, channels: C)
            }
            let labels = [Int32]((0..<B * T).map { $0 % 3 == 0 ? -1 : Int32($0 % C) })
            let d = Tensor(count: n)
            let loss = labels.withUnsafeBufferPointer {
                CrossEntropy.forwardBackward(logits: u.p, labels: $0.baseAddress!, dLogits: d.p, gradScale: 0.1, rows: B * T, vocab: C)
            }
            return [h.array, du.array, dr.array, di.array, dl.array, dx.array, dw.array, db.array, d.array, [Float(loss.lossSum)]]
        }
        let one = run(workers: 1), four = run(workers: 4)
        for k in one.indices { #expect(one[k] == four[k], "output \(k) differs between 1 and 4 workers") }
    }
}

@Suite("Kernels: accumulation")
struct AccumulationTests {
    /// Every backward kernel ADDS into its gradient buffers: running it twice gives twice the
    /// gradient (to rounding: reductions such as dGain add row by row onto what is there).
    @Test func backwardKernelsAccumulate() {
        var rng = TestRNG(seed: 61)
        let (B, T, C) = (2, 9, 20)
        let n = B * T * C
        let x = Tensor(random: n, &rng), y = Tensor(random: n, &rng), z = Tensor(random: n, &rng), dy = Tensor(random: n, &rng)
        let p = Tensor(random: 4 * C, &rng), lambda = Tensor(random: C, &rng), rstd = Tensor(count: B * T), out = Tensor(count: n)
        let segments = [Int32]((0..<B * T).map { Int32($0 / 4 + 1) })
        let carry = Tensor(count: B * T)
        segments.withUnsafeBufferPointer { ScanCarry.forward(segments: $0.baseAddress!, carry: carry.p, batch: B, time: T) }
        RMSNorm.forward(x: x.p, gain: p.p, y: out.p, rstd: rstd.p, rows: B * T, channels: C)
        LinearScan.forward(.forward, a: y.p, x: x.p, h: z.p, carry: carry.p, batch: B, time: T, channels: C, stride: C)
        let h = Tensor(count: n)
        RGLRU.forward(.reverse, u: x.p, rPre: y.p, iPre: dy.p, lambda: lambda.p, carry: carry.p, h: h.p, batch: B, time: T, channels: C, stride: C)
        let backwards: [(String, [Tensor], ([Tensor]) -> Void)] = [
            ("GeLU", [Tensor(count: n)], { g in GeLU.backward(x: x.p, dy: dy.p, dx: g[0].p, count: n) }),
            ("Sigmoid", [Tensor(count: n)], { g in Sigmoid.backward(y: y.p, dy: dy.p, dx: g[0].p, count: n) }),
            ("GatedUnit", [Tensor(count: n), Tensor(count: n)], { g in
                GatedUnit.backward(.silu, gate: x.p, value: y.p, dout: dy.p, dgate: g[0].p, dvalue: g[1].p, rows: B * T, width: C, inputStride: C) }),
            ("RMSNorm", [Tensor(count: n), Tensor(count: C)], { g in
                RMSNorm.backward(x: x.p, gain: p.p, rstd: rstd.p, dy: dy.p, dx: g[0].p, dGain: g[1].p, rows: B * T, channels: C) }),
            ("Linear", [Tensor(count: B * T * 4), Tensor(count: 4 * C), Tensor(count: C)], { g in
                Linear.backward(x: x.p, weight: p.p, dy: dy.p, dx: g[0].p, dWeight: g[1].p, dBias: g[2].p, rows: B * T, inFeatures: 4, outFeatures: C) }),
            ("Conv1D", [Tensor(count: n), Tensor(count: 4 * C), Tensor(count: C)], { g in
                segments.withUnsafeBufferPointer {
                    Conv1D.backward(x: x.p, weight: p.p, dy: dy.p, dx: g[0].p, dWeight: g[1].p, dBias: g[2].p, segments: $0.baseAddress!,
                                    batch: B, time: T, channels: C) } }),
            ("LinearScan", [Tensor(count: n), Tensor(count: n)], { g in
                LinearScan.backward(.forward, a: y.p, h: z.p, carry: carry.p, dh: dy.p, da: g[0].p, dx: g[1].p, batch: B, time: T, channels: C, stride: C) }),
            ("RGLRU", [Tensor(count: n), Tensor(count: n), Tensor(count: n), Tensor(count: C)], { g in
                RGLRU.backward(.reverse, u: x.p, rPre: y.p, iPre: dy.p, lambda: lambda.p, carry: carry.p, h: h.p, dh: z.p,
                               du: g[0].p, drPre: g[1].p, diPre: g[2].p, dLambda: g[3].p, batch: B, time: T, channels: C, stride: C) }),
        ]
        for (name, grads, run) in backwards {
            run(grads)
            let once = grads.map(\.array)
            run(grads)
            for (k, g) in grads.enumerated() {
                let worst = zip(g.array, once[k]).map { abs($0 - 2 * $1) / (abs($1) + 1e-3) }.max() ?? 0
                #expect(worst < 1e-4, "\(name) gradient \(k) was overwritten, not accumulated")
                #expect(once[k].contains { $0 != 0 }, "\(name) gradient \(k) is all zero")
            }
        }
    }
}
