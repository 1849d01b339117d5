import CBLAS
import Testing
@testable import Kernels
import Randomness

@Suite(.serialized) struct BF16Tests {
    @Test func roundsToNearestEven() {
        #expect(BF16.rounded(1 + 0x1p-8) == 1)                       // halfway, to the even neighbour
        #expect(BF16.rounded(1 + 3 * 0x1p-8) == 1 + 0x1p-6)          // halfway, up to the even one
        #expect(BF16.rounded(1 + 0x1p-8 + 0x1p-20) == 1 + 0x1p-7)    // past halfway
        #expect(BF16.rounded(-2.5) == -2.5 && BF16.rounded(.infinity) == .infinity)
        #expect(BF16.rounded(.greatestFiniteMagnitude) == .infinity)  // rounds past the largest bf16
        #expect(BF16.rounded(Float(bitPattern: 0x7F80_0001)).isNaN && BF16.rounded(.nan).isNaN)
    }

    /// Both vectorised roundings (oneDNN's packed bf16, the portable path's Float) equal the scalar
    /// rounding, NaN and infinity included.
    @Test func packingAndRoundingEqualTheScalarRounding() {
        var rng = SplitMix64(seed: 5)
        let rows = 7, cols = 37, ld = 41
        let x = (0..<rows * ld).map { _ in rng.normal() * 3 } + [.nan, .infinity]
        var packed = [UInt16](repeating: 0, count: rows * cols), rounded = [Float](repeating: 0, count: rows * cols)
        BF16.pack(x, ld: ld, rows: rows, cols: cols, into: &packed)
        BF16.roundParallel(x, ld: ld, rows: rows, cols: cols, into: &rounded)
        for r in 0..<rows { for c in 0..<cols {
            #expect(packed[r * cols + c] == BF16.bits(x[r * ld + c]))
            #expect(rounded[r * cols + c].bitPattern == BF16.rounded(x[r * ld + c]).bitPattern)
        } }
    }

    /// The native path's bf16 product (oneDNN) equals OpenBLAS's fp32 product of the bf16-rounded
    /// operands, up to the order of the fp32 sums: every transpose, with and without accumulation,
    /// odd sizes, ldc > n.
    @Test(.enabled(if: BF16Path.here == .native, "no AVX512-BF16 on this CPU: the native bf16 path is not used here"),
          arguments: [(false, false), (false, true), (true, false), (true, true)], [Float(0), 1])
    func nativeProductsEqualFP32ProductsOfRoundedOperands(_ trans: (Bool, Bool), _ beta: Float) {
        productEqualsFP32ProductOfRoundedOperands(.native, trans, beta)
    }

    /// The portable path (every CPU) against the same reference.
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)], [Float(0), 1])
    func portableProductsEqualFP32ProductsOfRoundedOperands(_ trans: (Bool, Bool), _ beta: Float) {
        productEqualsFP32ProductOfRoundedOperands(.portable, trans, beta)
    }

    private func productEqualsFP32ProductOfRoundedOperands(_ path: BF16Path, _ trans: (Bool, Bool), _ beta: Float) {
        let (m, n, k, ldc) = (37, 53, 129, 60)
        var rng = SplitMix64(seed: 9)
        let a = (0..<m * k).map { _ in rng.normal() }, b = (0..<k * n).map { _ in rng.normal() }
        let c0 = (0..<m * ldc).map { _ in rng.normal() }
        let (lda, ldb) = (trans.0 ? m : k, trans.1 ? k : n)
        var got = c0
        BF16Products.sgemm(transA: trans.0, transB: trans.1, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                           beta: beta, c: &got, ldc: ldc, path: path)
        let worst = worstDifference(got, trans, m, n, k, alpha: 1, a, lda, b, ldb, beta: beta, c0, ldc)
        #expect(worst < 1e-5, "\(path): worst relative difference \(worst)")
    }

    /// The worst difference of `got` from OpenBLAS's fp32 product of the bf16-rounded operands
    /// (relative, floored at 1), expecting the columns past n of C untouched.
    private func worstDifference(_ got: [Float], _ trans: (Bool, Bool), _ m: Int, _ n: Int, _ k: Int, alpha: Float,
                                 _ a: [Float], _ lda: Int, _ b: [Float], _ ldb: Int, beta: Float,
                                 _ c0: [Float], _ ldc: Int) -> Float {
        var want = c0
        cblas_sgemm(CblasRowMajor, trans.0 ? CblasTrans : CblasNoTrans, trans.1 ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a.map(BF16.rounded), Int32(lda), b.map(BF16.rounded),
                    Int32(ldb), beta, &want, Int32(ldc))
        var worst: Float = 0
        for i in 0..<m { for j in 0..<ldc {
            if j >= n { #expect(got[i * ldc + j] == c0[i * ldc + j], "padding column untouched"); continue }
            worst = max(worst, abs(got[i * ldc + j] - want[i * ldc + j]) / max(1, abs(want[i * ldc + j])))
        } }
        return worst
    }

    /// The attention tiles' AVX512-BF16 product equals OpenBLAS's fp32 product of the bf16-rounded
    /// operands, up to the order of the fp32 sums: every transpose, with and without accumulation,
    /// row and column counts off the kernel's 6 x 64 blocks, odd k (a half-empty last pair), ldc > n.
    @Test(.enabled(if: BF16Path.here == .native, "no AVX512-BF16 on this CPU: the tile kernel is not used here"),
          arguments: [(false, false), (false, true), (true, false), (true, true)], [Float(0), 1])
    func nativeTileProductsEqualFP32ProductsOfRoundedOperands(_ trans: (Bool, Bool), _ beta: Float) {
        tileProductEqualsFP32ProductOfRoundedOperands(.native, trans, beta)
    }

    /// The tiles' portable path (every CPU) against the same reference, at the same sizes.
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)], [Float(0), 1])
    func portableTileProductsEqualFP32ProductsOfRoundedOperands(_ trans: (Bool, Bool), _ beta: Float) {
        tileProductEqualsFP32ProductOfRoundedOperands(.portable, trans, beta)
    }

    private func tileProductEqualsFP32ProductOfRoundedOperands(_ path: BF16Path, _ trans: (Bool, Bool), _ beta: Float) {
        for (m, n, k, ldc) in [(37, 53, 129, 60), (64, 130, 32, 130), (1, 3, 1, 5), (6, 16, 2, 16)] {
            var rng = SplitMix64(seed: UInt64(9 + m))
            let a = (0..<m * k).map { _ in rng.normal() }, b = (0..<k * n).map { _ in rng.normal() }
            let c0 = (0..<m * ldc).map { _ in rng.normal() }
            let (lda, ldb) = (trans.0 ? m : k, trans.1 ? k : n)
            var got = c0
            var work = [Float](repeating: .nan, count: BF16Tiles.workBytes(m: m, n: n, k: k) / 4)
            BF16Tiles.gemm(path, transA: trans.0, transB: trans.1, m: m, n: n, k: k, alpha: 0.75, a: a, lda: lda, b: b, ldb: ldb,
                           beta: beta, c: &got, ldc: ldc, work: &work)
            let worst = worstDifference(got, trans, m, n, k, alpha: 0.75, a, lda, b, ldb, beta: beta, c0, ldc)
            #expect(worst < 1e-5, "\(path) \(m) x \(n) x \(k): worst relative difference \(worst)")
        }
    }

    /// Linear.backward rounds dy once for its two products (samePackedA); the results are those of
    /// two products that round it each, bit for bit, on either path.
    @Test(.enabled(if: BF16Path.here == .native, "no AVX512-BF16 on this CPU: the native bf16 path is not used here"))
    func nativeLinearBackwardRoundsDyOnce() { linearBackwardRoundsDyOnceWithTheSameResult(.native) }

    @Test func portableLinearBackwardRoundsDyOnce() { linearBackwardRoundsDyOnceWithTheSameResult(.portable) }

    private func linearBackwardRoundsDyOnceWithTheSameResult(_ path: BF16Path) {
        let (rows, inF, outF) = (45, 19, 33)
        var rng = SplitMix64(seed: 13)
        let x = (0..<rows * inF).map { _ in rng.normal() }, w = (0..<outF * inF).map { _ in rng.normal() }
        let dy = (0..<rows * outF).map { _ in rng.normal() }
        let dx0 = (0..<rows * inF).map { _ in rng.normal() }, dw0 = (0..<outF * inF).map { _ in rng.normal() }
        var dx = dx0, dw = dw0, wantDx = dx0, wantDw = dw0
        Engine.configure(threads: Parallel.workers, precision: .bf16, bf16Path: path)
        defer { Engine.configure(threads: Parallel.workers, precision: .fp32) }
        Linear.backward(x: x, weight: w, dy: dy, dx: &dx, dWeight: &dw, dBias: nil, rows: rows, inFeatures: inF, outFeatures: outF)
        BF16Products.sgemm(transA: false, transB: false, m: rows, n: inF, k: outF, a: dy, lda: outF, b: w, ldb: inF,
                           beta: 1, c: &wantDx, ldc: inF, path: path)
        BF16Products.sgemm(transA: true, transB: false, m: outF, n: inF, k: rows, a: dy, lda: outF, b: x, ldb: inF,
                           beta: 1, c: &wantDw, ldc: inF, path: path)
        #expect(dx == wantDx && dw == wantDw)
        #expect(dx != dx0 && dw != dw0)
    }
}
