import CBF16Tiles
import CDNNL
import Foundation

/// The precision of the large matrix products (every Linear: projections, MLP, head; and the
/// attention tiles). fp32 is the reference; bf16 rounds both operands to bfloat16 and accumulates
/// in fp32 with the AVX512-BF16 instructions (oneDNN's matmul for Linear, our own kernel for the
/// tiles). Master weights, gradients, optimizer, scans, norms, softmax and loss stay fp32 either
/// way. Set once at start-up (`--precision`).
public enum Precision: String, CaseIterable, Sendable {
    case fp32, bf16
    nonisolated(unsafe) public static var products: Precision = .fp32

    /// The help of the tools' `--precision`.
    public static let help = "Matrix products: fp32 (the reference), or bf16 (operands rounded to bfloat16, fp32 accumulation; projections through oneDNN, attention tiles through our AVX512-BF16 kernel; weights, optimizer, scans, norms and loss stay fp32; docs/PERFORMANCE.md)."
}

extension EngineOps {
    /// `--precision`: sets `Precision.products`; nil, or why bf16 cannot run here.
    public static func setPrecision(_ p: Precision) -> String? {
        if p == .bf16 && !BF16Products.available {
            return "--precision bf16: oneDNN (libdnnl) cannot make a bf16 matrix product on this machine; use --precision fp32"
        }
        if p == .bf16 && birdie_bf16_tiles_supported() == 0 {
            return "--precision bf16: this CPU has no AVX512-BF16 for the attention tiles; use --precision fp32"
        }
        Precision.products = p
        return nil
    }
}

/// Row-major C (m, n) = op(A) (m, k) op(B) (k, n) + beta C with A and B rounded to bf16 and fp32
/// accumulation, through oneDNN. One primitive per shape, made on first use and kept.
public enum BF16Products {
    struct Key: Hashable { let transA: Bool, transB: Bool, m: Int, n: Int, k: Int, ldc: Int, beta: Float }

    nonisolated(unsafe) static var engine: dnnl_engine_t?
    nonisolated(unsafe) static var stream: dnnl_stream_t?
    nonisolated(unsafe) static var primitives: [Key: UnsafeMutablePointer<birdie_matmul>] = [:]
    nonisolated(unsafe) static var packedA: [UInt16] = [], packedB: [UInt16] = []
    /// Which matrix packedA holds: (address, ld, rows, cols) of its fp32 source.
    nonisolated(unsafe) static var packedASource: (UnsafePointer<Float>, Int, Int, Int)?
    static let lock = NSLock()

    /// False when oneDNN cannot run bf16 products here (no engine, or the primitive is refused).
    public static var available: Bool {
        lock.lock(); defer { lock.unlock() }
        return setUp() && primitive(Key(transA: false, transB: false, m: 16, n: 16, k: 16, ldc: 16, beta: 0)) != nil
    }

    private static func setUp() -> Bool {
        if engine != nil { return true }
        var e: dnnl_engine_t?, s: dnnl_stream_t?
        guard dnnl_engine_create(&e, dnnl_cpu, 0) == dnnl_success,
              dnnl_stream_create(&s, e, dnnl_stream_default_flags.rawValue) == dnnl_success else { return false }
        engine = e; stream = s
        return true
    }

    private static func primitive(_ key: Key) -> UnsafeMutablePointer<birdie_matmul>? {
        if let p = primitives[key] { return p }
        let p = UnsafeMutablePointer<birdie_matmul>.allocate(capacity: 1)
        guard birdie_matmul_create(p, engine, key.transA ? 1 : 0, key.transB ? 1 : 0, Int64(key.m), Int64(key.n),
                                   Int64(key.k), Int64(key.ldc), key.beta) == 0 else {
            p.deallocate()
            return nil
        }
        primitives[key] = p
        return p
    }

    /// The product (alpha is 1 for every caller). Both operands are rounded into packed bf16 copies
    /// on every call, except A when `samePackedA` says it is the previous call's A, unchanged
    /// (Linear.backward's dy, read by both of its products). A primitive oneDNN refuses is a
    /// programming error (the shapes are the model's own), so it stops with the oneDNN status.
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, samePackedA: Bool = false) {
        lock.lock(); defer { lock.unlock() }
        precondition(setUp(), "oneDNN: no CPU engine")
        let key = Key(transA: transA, transB: transB, m: m, n: n, k: k, ldc: ldc, beta: beta)
        guard let mm = primitive(key) else { preconditionFailure("oneDNN refused a bf16 matmul of \(key)") }
        // A is stored (m, k), or (k, m) when transposed; B (k, n), or (n, k).
        let (aRows, aCols) = transA ? (k, m) : (m, k), (bRows, bCols) = transB ? (n, k) : (k, n)
        if packedA.count < aRows * aCols { packedA = [UInt16](repeating: 0, count: aRows * aCols) }
        if packedB.count < bRows * bCols { packedB = [UInt16](repeating: 0, count: bRows * bCols) }
        let status = packedA.withUnsafeMutableBufferPointer { pa in
            packedB.withUnsafeMutableBufferPointer { pb in
                if samePackedA {
                    precondition(packedASource.map { $0 == (a, lda, aRows, aCols) } ?? false, "samePackedA: A is not the previous product's A")
                } else {
                    BF16.pack(a, ld: lda, rows: aRows, cols: aCols, into: pa.baseAddress!)
                    packedASource = (a, lda, aRows, aCols)
                }
                BF16.pack(b, ld: ldb, rows: bRows, cols: bCols, into: pb.baseAddress!)
                return birdie_matmul_run(mm, stream, pa.baseAddress, pb.baseAddress, c)
            }
        }
        precondition(status == 0, "oneDNN bf16 matmul failed with status \(status)")
    }

    /// oneDNN's threads (OpenMP in Debian's build): the same count as the rest of the engine.
    /// Looked up at run time, as libgomp comes with libdnnl and has no development link here.
    static func setThreads(_ n: Int) {
        typealias SetThreads = @convention(c) (Int32) -> Void
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "omp_set_num_threads") else { return }
        unsafeBitCast(symbol, to: SetThreads.self)(Int32(n))
    }
}
