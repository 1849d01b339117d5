import CBLAS
import CDNNL
import Foundation

/// Row-major C (m, n) = op(A) (m, k) op(B) (k, n) + beta C with A and B rounded to bf16 and fp32
/// accumulation: through oneDNN on the native path (one primitive per shape, made on first use and
/// kept), through OpenBLAS sgemm on the rounded operands on the portable one.
public enum BF16Products {
    struct Key: Hashable { let transA: Bool, transB: Bool, m: Int, n: Int, k: Int, ldc: Int, beta: Float }

    // oneDNN's handles, one primitive per shape and the rounded-operand buffers: caches kept for the
    // process's life, every access under `lock`.
    nonisolated(unsafe) static var engine: dnnl_engine_t?
    nonisolated(unsafe) static var stream: dnnl_stream_t?
    nonisolated(unsafe) static var primitives: [Key: UnsafeMutablePointer<birdie_matmul>] = [:]
    nonisolated(unsafe) static var packedA: [UInt16] = [], packedB: [UInt16] = []
    /// The portable path's operands: rounded to bf16, kept as Float.
    nonisolated(unsafe) static var roundedA: [Float] = [], roundedB: [Float] = []
    /// Which matrix the path's A copy holds: (address, ld, rows, cols) of its fp32 source.
    nonisolated(unsafe) static var packedASource: ((UnsafePointer<Float>, Int, Int, Int), BF16Path)?
    static let lock = NSLock()

    /// False when oneDNN cannot run bf16 products here (no engine, or the primitive is refused, as on
    /// a CPU without AVX-512).
    public static var oneDNNAvailable: Bool {
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

    /// The product (alpha is 1 for every caller), on `path`. Both operands are rounded into copies
    /// on every call, except A when `samePackedA` says it is the previous call's A, unchanged
    /// (Linear.backward's dy, read by both of its products). A primitive oneDNN refuses is a
    /// programming error (the shapes are the model's own), so it stops with the oneDNN status.
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, samePackedA: Bool = false,
                             path: BF16Path) {
        lock.lock(); defer { lock.unlock() }
        // A is stored (m, k), or (k, m) when transposed; B (k, n), or (n, k).
        let (aRows, aCols) = transA ? (k, m) : (m, k), (bRows, bCols) = transB ? (n, k) : (k, n)
        if samePackedA {
            precondition(packedASource.map { $0.0 == (a, lda, aRows, aCols) && $0.1 == path } ?? false,
                         "samePackedA: A is not the previous product's A")
        }
        packedASource = ((a, lda, aRows, aCols), path)
        if path == .portable {
            if roundedA.count < aRows * aCols { roundedA = [Float](repeating: 0, count: aRows * aCols) }
            if roundedB.count < bRows * bCols { roundedB = [Float](repeating: 0, count: bRows * bCols) }
            roundedA.withUnsafeMutableBufferPointer { ra in
                roundedB.withUnsafeMutableBufferPointer { rb in
                    if !samePackedA { BF16.roundParallel(a, ld: lda, rows: aRows, cols: aCols, into: ra.baseAddress!) }
                    BF16.roundParallel(b, ld: ldb, rows: bRows, cols: bCols, into: rb.baseAddress!)
                    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k), 1, ra.baseAddress, Int32(aCols), rb.baseAddress, Int32(bCols),
                                beta, c, Int32(ldc))
                }
            }
            return
        }
        precondition(setUp(), "oneDNN: no CPU engine")
        let key = Key(transA: transA, transB: transB, m: m, n: n, k: k, ldc: ldc, beta: beta)
        guard let mm = primitive(key) else { preconditionFailure("oneDNN refused a bf16 matmul of \(key)") }
        if packedA.count < aRows * aCols { packedA = [UInt16](repeating: 0, count: aRows * aCols) }
        if packedB.count < bRows * bCols { packedB = [UInt16](repeating: 0, count: bRows * bCols) }
        let status = packedA.withUnsafeMutableBufferPointer { pa in
            packedB.withUnsafeMutableBufferPointer { pb in
                if !samePackedA { BF16.pack(a, ld: lda, rows: aRows, cols: aCols, into: pa.baseAddress!) }
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
