import Foundation
import Testing
@testable import Kernels

@Suite("Kernels: optimizer, clipping, schedule")
struct OptimizerTests {
    @Test func adamWMatchesADoubleReferenceAndRespectsTheDecayMask() {
        var rng = TestRNG(seed: 31)
        let n = 1000
        let p = Tensor(random: n, &rng), m = Tensor(count: n), v = Tensor(count: n)
        let mask = Tensor((0..<n).map { $0 % 3 == 0 ? 0 : 1 })
        var rp = p.array.map(Double.init), rm = [Double](repeating: 0, count: n), rv = rm
        let opt = AdamW(beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1)
        for step in 1...5 {
            let g = Tensor(random: n, &rng)
            let lr: Float = 0.01 * Float(step)
            opt.update(params: p.p, grads: g.p, m: m.p, v: v.p, decayMask: mask.p, count: n, learningRate: lr, step: step)
            for i in 0..<n {
                let gi = Double(g[i])
                rm[i] = 0.9 * rm[i] + 0.1 * gi
                rv[i] = 0.95 * rv[i] + 0.05 * gi * gi
                let mh = rm[i] / (1 - Foundation.pow(0.9, Double(step))), vh = rv[i] / (1 - Foundation.pow(0.95, Double(step)))
                rp[i] -= Double(lr) * (mh / (vh.squareRoot() + 1e-8) + 0.1 * Double(mask[i]) * rp[i])
            }
        }
        let worst = (0..<n).map { abs(Double(p[$0]) - rp[$0]) }.max()!
        #expect(worst < 1e-5, "AdamW differs from the reference by \(worst)")
        // With zero gradients only decay moves a parameter: masked entries stay put.
        let before = p.copy(), zero = Tensor(count: n), m0 = Tensor(count: n), v0 = Tensor(count: n)
        opt.update(params: p.p, grads: zero.p, m: m0.p, v: v0.p, decayMask: mask.p, count: n, learningRate: 0.5, step: 1)
        for i in 0..<n {
            if mask[i] == 0 { #expect(p[i] == before[i]) } else { #expect(abs(p[i] - before[i] * 0.95) < 1e-6) }
        }
    }

    @Test func clippingScalesToTheMaximumNorm() {
        let n = 70_000  // several chunks
        let g = Tensor((0..<n).map { Float(($0 % 7) - 3) })
        var squares = 0.0
        for i in 0..<n { let d = Double(i % 7 - 3); squares += d * d }
        let expected = squares.squareRoot()
        #expect(abs(Double(GradientClipping.globalNorm(g.p, count: n)) - expected) < 1e-4 * expected)
        let norm = GradientClipping.clip(g.p, count: n, maxNorm: 1)
        #expect(abs(Double(norm) - expected) < 1e-4 * expected)
        #expect(abs(GradientClipping.globalNorm(g.p, count: n) - 1) < 1e-4)
        // Below the threshold nothing changes.
        let before = g.array
        GradientClipping.clip(g.p, count: n, maxNorm: 2)
        #expect(g.array == before)
    }

    @Test func warmupCosineSchedule() {
        let lr = { (s: Int) in LearningRate.warmupCosine(step: s, warmup: 10, total: 110, peak: 1e-3, minimum: 1e-4) }
        #expect(abs(lr(1) - 1e-4) < 1e-9)
        #expect(abs(lr(5) - 5e-4) < 1e-9)
        #expect(lr(10) == 1e-3)
        #expect(abs(lr(60) - 5.5e-4) < 1e-9)  // half way through the decay
        #expect(abs(lr(110) - 1e-4) < 1e-9)
        #expect(lr(500) == 1e-4)
        for s in 11..<110 { #expect(lr(s + 1) <= lr(s)) }
    }
}
