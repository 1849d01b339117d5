import Foundation
import Testing
@testable import Kernels

@Suite("Kernels: dense and elementwise gradients")
struct DenseKernelTests {
    @Test func linearGradients() {
        var rng = TestRNG(seed: 1)
        let rows = 6, n = 5, m = 7
        let x = Tensor(random: rows * n, &rng), w = Tensor(random: m * n, &rng), b = Tensor(random: m, &rng)
        let y = Tensor(count: rows * m), r = Tensor(random: rows * m, &rng)
        func loss() -> Double {
            Linear.forward(x: x.p, weight: w.p, bias: b.p, y: y.p, rows: rows, inFeatures: n, outFeatures: m)
            return projection(y, r)
        }
        _ = loss()
        // Reference forward in Double.
        for i in 0..<rows { for j in 0..<m {
            var s = Double(b[j]); for k in 0..<n { s += Double(x[i * n + k]) * Double(w[j * n + k]) }
            #expect(abs(Double(y[i * m + j]) - s) < 1e-5)
        } }
        // Accumulation: start the gradients at 1 and subtract it afterwards.
        let dx = Tensor(count: rows * n, fill: 1), dw = Tensor(count: m * n, fill: 1), db = Tensor(count: m, fill: 1)
        Linear.backward(x: x.p, weight: w.p, dy: r.p, dx: dx.p, dWeight: dw.p, dBias: db.p, rows: rows, inFeatures: n, outFeatures: m)
        for t in [dx, dw, db] { for i in 0..<t.count { t[i] -= 1 } }
        checkGradient("linear dx", input: x, analytic: dx, loss: loss)
        checkGradient("linear dW", input: w, analytic: dw, loss: loss)
        checkGradient("linear db", input: b, analytic: db, loss: loss)
    }

    @Test func embeddingGradient() {
        var rng = TestRNG(seed: 2)
        let vocab = 9, c = 4
        let tokens: [Int32] = [3, 1, 3, 8, 0, 3]
        let table = Tensor(random: vocab * c, &rng), out = Tensor(count: tokens.count * c), r = Tensor(random: tokens.count * c, &rng)
        func loss() -> Double {
            tokens.withUnsafeBufferPointer { Embedding.forward(tokens: $0.baseAddress!, table: table.p, out: out.p, rows: tokens.count, channels: c) }
            return projection(out, r)
        }
        let dt = Tensor(count: vocab * c)
        tokens.withUnsafeBufferPointer { Embedding.backward(tokens: $0.baseAddress!, dout: r.p, dTable: dt.p, rows: tokens.count, channels: c) }
        checkGradient("embedding dTable", input: table, analytic: dt, loss: loss)
    }

    @Test func rmsNormGradients() {
        var rng = TestRNG(seed: 3)
        let rows = 5, c = 37  // not a multiple of 16: exercises the vector tails
        let x = Tensor(random: rows * c, &rng, scale: 2), g = Tensor(random: c, &rng, scale: 0.5, offset: 1)
        let y = Tensor(count: rows * c), rstd = Tensor(count: rows), r = Tensor(random: rows * c, &rng)
        func loss() -> Double {
            RMSNorm.forward(x: x.p, gain: g.p, y: y.p, rstd: rstd.p, rows: rows, channels: c)
            return projection(y, r)
        }
        _ = loss()
        let dx = Tensor(count: rows * c), dg = Tensor(count: c)
        RMSNorm.backward(x: x.p, gain: g.p, rstd: rstd.p, dy: r.p, dx: dx.p, dGain: dg.p, rows: rows, channels: c)
        checkGradient("rmsnorm dx", input: x, analytic: dx, loss: loss)
        checkGradient("rmsnorm dGain", input: g, analytic: dg, loss: loss)
    }

    /// The four single-input activations, forward against libm and backward against differences.
    @Test(arguments: ["sigmoid", "gelu", "softplus", "silu"])
    func activationGradient(_ name: String) {
        var rng = TestRNG(seed: 4)
        let n = 200
        let x = Tensor(random: n, &rng, scale: 6), y = Tensor(count: n), r = Tensor(random: n, &rng)
        let forward: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
        let reference: (Double) -> Double
        switch name {
        case "sigmoid": forward = { Sigmoid.forward($0, $1, count: $2) }; reference = { 1 / (1 + Foundation.exp(-$0)) }
        case "gelu": forward = { GeLU.forward($0, $1, count: $2) }
            reference = { 0.5 * $0 * (1 + Foundation.tanh(0.7978845608028654 * ($0 + 0.044715 * $0 * $0 * $0))) }
        case "softplus": forward = { Softplus.forward($0, $1, count: $2) }; reference = { Foundation.log1p(Foundation.exp($0)) }
        default: forward = { SiLU.forward($0, $1, count: $2) }; reference = { $0 / (1 + Foundation.exp(-$0)) }
        }
        func loss() -> Double { forward(x.p, y.p, n); return projection(y, r) }
        _ = loss()
        for i in 0..<n { #expect(abs(Double(y[i]) - reference(Double(x[i]))) <= 1e-6 * max(1, abs(reference(Double(x[i]))))) }
        let dx = Tensor(count: n)
        switch name {
        case "sigmoid": Sigmoid.backward(y: y.p, dy: r.p, dx: dx.p, count: n)
        case "gelu": GeLU.backward(x: x.p, dy: r.p, dx: dx.p, count: n)
        case "softplus": Softplus.backward(x: x.p, dy: r.p, dx: dx.p, count: n)
        default: SiLU.backward(x: x.p, dy: r.p, dx: dx.p, count: n)
        }
        checkGradient("\(name) dx", input: x, analytic: dx, epsilon: 1e-3, samples: n, loss: loss)
    }

    @Test(arguments: [GatedUnit.Activation.silu, .gelu])
    func gatedUnitGradients(_ activation: GatedUnit.Activation) {
        var rng = TestRNG(seed: 5)
        let rows = 4, width = 21
        // One fused projection (rows, 2*width): gate in the first half, value in the second.
        let fused = Tensor(random: rows * 2 * width, &rng, scale: 3), out = Tensor(count: rows * width)
        let r = Tensor(random: rows * width, &rng)
        func loss() -> Double {
            GatedUnit.forward(activation, gate: fused.p, value: fused.p + width, out: out.p, rows: rows, width: width, inputStride: 2 * width)
            return projection(out, r)
        }
        let d = Tensor(count: rows * 2 * width)
        GatedUnit.backward(activation, gate: fused.p, value: fused.p + width, dout: r.p, dgate: d.p, dvalue: d.p + width,
                           rows: rows, width: width, inputStride: 2 * width)
        checkGradient("gated \(activation) d(gate, value)", input: fused, analytic: d, epsilon: 1e-3, samples: 200, loss: loss)
    }

    @Test func multiplyGradients() {
        var rng = TestRNG(seed: 6)
        let n = 50
        let a = Tensor(random: n, &rng), b = Tensor(random: n, &rng), out = Tensor(count: n), r = Tensor(random: n, &rng)
        func loss() -> Double { Multiply.forward(a.p, b.p, out.p, count: n); return projection(out, r) }
        let da = Tensor(count: n), db = Tensor(count: n)
        Multiply.backward(a: a.p, b: b.p, dout: r.p, da: da.p, db: db.p, count: n)
        checkGradient("multiply da", input: a, analytic: da, loss: loss)
        checkGradient("multiply db", input: b, analytic: db, loss: loss)
    }

    @Test func crossEntropyLossAndGradient() {
        var rng = TestRNG(seed: 7)
        let rows = 6, vocab = 45
        let labels: [Int32] = [3, -1, 44, 0, -1, 17]
        let logits = Tensor(random: rows * vocab, &rng, scale: 4), d = Tensor(count: rows * vocab, fill: 9)
        let count = labels.withUnsafeBufferPointer { CrossEntropy.labelledCount(labels: $0.baseAddress!, rows: rows) }
        #expect(count == 4)
        let scale = 1 / Float(count)
        func run(_ out: Tensor) -> (lossSum: Double, count: Int) {
            labels.withUnsafeBufferPointer {
                CrossEntropy.forwardBackward(logits: logits.p, labels: $0.baseAddress!, dLogits: out.p, gradScale: scale, rows: rows, vocab: vocab)
            }
        }
        let result = run(d)
        #expect(result.count == 4)
        // Reference loss in Double.
        var reference = 0.0
        for (row, label) in labels.enumerated() where label >= 0 {
            let z = (0..<vocab).map { Double(logits[row * vocab + $0]) }
            let m = z.max()!
            reference += m + Foundation.log(z.map { Foundation.exp($0 - m) }.reduce(0, +)) - z[Int(label)]
        }
        #expect(abs(result.lossSum - reference) < 1e-5 * reference)
        for j in 0..<vocab { #expect(d[1 * vocab + j] == 0 && d[4 * vocab + j] == 0) }  // ignored rows
        let scratch = Tensor(count: rows * vocab)
        checkGradient("cross-entropy dLogits", input: logits, analytic: d, samples: 120) {
            run(scratch).lossSum * Double(scale)
        }
        // In place (dLogits aliasing logits) gives the same gradient.
        let inPlace = logits.copy()
        _ = labels.withUnsafeBufferPointer {
            CrossEntropy.forwardBackward(logits: inPlace.p, labels: $0.baseAddress!, dLogits: inPlace.p, gradScale: scale, rows: rows, vocab: vocab)
        }
        #expect(inPlace.array == d.array)
    }
}
