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
