import Foundation
import Testing
@testable import Kernels

@Suite("Kernels: fast math and reductions")
struct FastMathTests {
    @Test func expMatchesLibmAcrossTheRange() {
        var worst = 0.0
        for k in 0...20000 {
            let x = Float(-87 + 175 * Double(k) / 20000)
            let e = Double(FastMath.exp(x)), ref = Foundation.exp(Double(x))
            worst = max(worst, abs(e - ref) / ref)
        }
        #expect(worst < 5e-7, "exp relative error \(worst)")
        #expect(FastMath.exp(-1000) >= 0 && FastMath.exp(-1000) < 1e-37)
        #expect(FastMath.exp(1000).isFinite)
    }

    @Test func logMatchesLibm() {
        var worst = 0.0
        for k in 0...20000 {
            let x = Float(Foundation.exp(-80 + 160 * Double(k) / 20000))
            let ref = Foundation.log(Double(x))
            // Float's own spacing near log(x) is about 1.2e-7 |log x|.
            worst = max(worst, abs(Double(FastMath.log(x)) - ref) / (1e-6 + 1.2e-7 * abs(ref)))
        }
        #expect(worst < 2, "log error \(worst) in units of Float spacing")
    }

    @Test func reductionsMatchDoubleSums() {
        var rng = TestRNG(seed: 11)
        for n in [1, 15, 16, 17, 100, 1000] {
            let a = Tensor(random: n, &rng), b = Tensor(random: n, &rng)
            var s = 0.0, d = 0.0
            for i in 0..<n { s += Double(a[i]); d += Double(a[i]) * Double(b[i]) }
            #expect(abs(Double(Reduce.sum(a.p, n)) - s) < 1e-5 * Double(n))
            #expect(abs(Double(Reduce.dot(a.p, b.p, n)) - d) < 1e-5 * Double(n))
            #expect(Reduce.max(a.p, n) == a.array.max()!)
        }
    }
}

@Suite("Kernels: edge sizes")
struct EdgeSizeTests {
    /// Empty and tiny inputs neither crash nor touch memory they should not.
    @Test(arguments: [0, 1, 15, 17])
    func kernelsAcceptTinySizes(_ n: Int) {
        let x = Tensor(count: n, fill: 0.5), y = Tensor(count: n), labels = [Int32](repeating: 0, count: n)
        Sigmoid.forward(x.p, y.p, count: n)
        GatedUnit.forward(.silu, gate: x.p, value: x.p, out: y.p, rows: n, width: 1, inputStride: 1)
        let result = labels.withUnsafeBufferPointer {
            CrossEntropy.forwardBackward(logits: x.p, labels: $0.baseAddress!, dLogits: y.p, gradScale: 1, rows: n, vocab: 1)
        }
        #expect(result.count == n && abs(result.lossSum) < 1e-6)  // one class: probability 1
        #expect(GradientClipping.globalNorm(x.p, count: n) == Float(0.25 * Double(n)).squareRoot())
    }
}

@Suite("Kernels: vector math")
struct VectorMathTests {
    @Test func vectorFunctionsMatchTheScalarOnes() {
        var rng = TestRNG(seed: 51)
        for _ in 0..<200 {
            var x = Vec()
            for l in 0..<16 { x[l] = rng.symmetric(20) }
            let e = FastMath.exp(x), s = FastMath.sigmoid(x), g = FastMath.gelu(x), d = FastMath.geluDerivative(x)
            for l in 0..<16 {
                #expect(e[l] == FastMath.exp(x[l]))
                #expect(abs(s[l] - FastMath.sigmoid(x[l])) <= 1e-7)
                #expect(abs(g[l] - FastMath.gelu(x[l])) <= 1e-6 * max(1, abs(x[l])))
                #expect(abs(d[l] - FastMath.geluDerivative(x[l])) <= 1e-6)
            }
            let z = x * x  // >= 0
            let r = FastMath.sqrt(z), q = FastMath.rsqrt(z + 1e-3)
            for l in 0..<16 {
                #expect(abs(Double(r[l]) - Double(z[l]).squareRoot()) <= 3e-7 * Double(z[l]).squareRoot())
                #expect(abs(Double(q[l]) * Double(z[l] + 1e-3).squareRoot() - 1) <= 3e-7)
            }
        }
        #expect(FastMath.sqrt(Vec(repeating: 0)) == Vec(repeating: 0))
    }
}
