import CBF16Tiles
import CBLAS

/// The precision of the large matrix products (every Linear: projections, MLP, head; and the
/// attention tiles). fp32 is the reference; bf16 rounds both operands to bfloat16 and sums the
/// products in fp32. Master weights, gradients, optimizer, scans, norms, softmax and loss stay fp32
/// either way. `Engine.configure` sets the process's (`Engine.products`).
public enum Precision: String, CaseIterable, Sendable {
    case fp32, bf16
}

/// How the large matrix products run: fp32 through OpenBLAS sgemm, or bf16 on one of the two paths.
public enum Products: Equatable, Sendable {
    case fp32
    case bf16(BF16Path)

    public var precision: Precision { self == .fp32 ? .fp32 : .bf16 }
    /// The bf16 path, nil for fp32.
    public var bf16Path: BF16Path? { if case .bf16(let path) = self { path } else { nil } }

    /// Row-major C (m, n) = op(A) (m, k) op(B) (k, n) + beta C, timed by shape under
    /// `train --profile`. bf16 takes alpha 1 (every Linear does); `samePackedA`: A is the previous
    /// product's A, unchanged, so its bf16 copy is reused.
    @inline(__always)
    public func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, samePackedA: Bool = false) {
        StepProfile.product(StepProfile.Shape(transA: transA, transB: transB, m: m, n: n, k: k)) {
            switch self {
            case .fp32:
                cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
            case .bf16(let path):
                precondition(alpha == 1, "bf16 products take alpha 1")
                BF16Products.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                                   beta: beta, c: c, ldc: ldc, samePackedA: samePackedA, path: path)
            }
        }
    }
}

/// How a bf16 product is computed. Both paths give the fp32 products of the bf16-rounded operands
/// (a product of two bf16 values is exact in fp32) summed in fp32, so they differ only in the order
/// of the sums: `--precision bf16` means the same numbers on every CPU.
public enum BF16Path: String, Sendable {
    /// The CPU's bf16 dot products (AVX512-BF16's vdpbf16ps): oneDNN's matmul for Linear, our kernel
    /// (Libraries/CBF16Tiles) for the attention tiles.
    case native
    /// Operands rounded to bf16 into fp32 buffers, then OpenBLAS sgemm: any CPU.
    case portable

    /// This machine's path, checked once at run time: native where the CPU has AVX512-BF16 (every
    /// CPU with AMX-BF16 has it too) and oneDNN makes a bf16 product, portable elsewhere.
    public static let here: BF16Path = birdie_bf16_tiles_supported() == 1 && BF16Products.oneDNNAvailable ? .native : .portable
}

/// What `--precision` takes: a precision, or auto (the tools' and the scale files' default).
public enum PrecisionChoice: String, CaseIterable, Sendable {
    case auto, fp32, bf16

    public init(_ precision: Precision) { self = precision == .bf16 ? .bf16 : .fp32 }

    /// The help of the tools' `--precision`.
    public static let help = "Matrix products: auto (bf16 where the CPU has AVX512-BF16, else fp32), fp32 (the reference), or bf16 (operands rounded to bfloat16, fp32 sums: the CPU's bf16 instructions where it has them, else a portable path, slower than fp32, with the same numbers; weights, optimizer, scans, norms and loss stay fp32; docs/PERFORMANCE.md)."

    /// auto is bf16 only where the CPU multiplies bf16 natively: 1.4-1.7x faster than fp32 there
    /// (AMD Zen 4). Without it the portable path rounds the operands and then runs the fp32 product,
    /// and oneDNN emulates bf16 at a third of fp32's speed (Intel Ice Lake): fp32 is faster
    /// (docs/PERFORMANCE.md, "bf16 without AVX512-BF16").
    public var resolved: Precision {
        switch self {
        case .fp32: return .fp32
        case .bf16: return .bf16
        case .auto: return BF16Path.here == .native ? .bf16 : .fp32
        }
    }

    /// The line a tool prints on stderr: what runs, and why.
    public var explanation: String {
        switch (self, resolved, BF16Path.here) {
        case (.auto, .bf16, _): return "precision auto: bf16 (this CPU has AVX512-BF16)"
        case (.auto, _, _): return "precision auto: fp32 (this CPU has no AVX512-BF16, where bf16 is slower than fp32; --precision bf16 runs it anyway)"
        case (_, .bf16, .portable): return "precision bf16: portable path (this CPU has no AVX512-BF16: operands rounded to bf16, products through fp32 sgemm, slower than fp32)"
        case (_, let p, _): return "precision \(p.rawValue)"
        }
    }
}
