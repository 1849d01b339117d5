import CBF16Tiles
import CBLAS

/// The attention tiles' bf16 products: row-major C (m, n) = alpha op(A) (m, k) op(B) (k, n) + beta
/// C, both operands rounded to bf16, fp32 sums. Single-threaded: the attention kernel runs one
/// product per worker. The native path is our AVX512-BF16 kernel (Libraries/CBF16Tiles); the
/// portable one rounds the operands into `work` and calls OpenBLAS sgemm.
enum BF16Tiles {
    /// Bytes of `work` a product of these sizes needs on either path.
    static func workBytes(m: Int, n: Int, k: Int) -> Int {
        max(birdie_bf16_gemm_work(m, n, k), 4 * (m * k + k * n))
    }

    /// A stored (m, k) with leading dimension lda, or (k, m) when transA; B (k, n) with ldb, or (n,
    /// k) when transB. work: workBytes(m:n:k:) bytes, 4-byte aligned.
    static func gemm(_ path: BF16Path, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, work: UnsafeMutableRawPointer) {
        if path == .native {
            birdie_bf16_gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work)
            return
        }
        let (aRows, aCols) = transA ? (k, m) : (m, k), (bRows, bCols) = transB ? (n, k) : (k, n)
        let ra = work.assumingMemoryBound(to: Float.self), rb = ra + aRows * aCols
        BF16.round(a, ld: lda, rows: aRows, cols: aCols, into: ra)
        BF16.round(b, ld: ldb, rows: bRows, cols: bCols, into: rb)
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, ra, Int32(aCols), rb, Int32(bCols), beta, c, Int32(ldc))
    }
}
