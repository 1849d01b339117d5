import CBLAS
import Foundation

/// Where a training step's wall time goes, for `train --profile` (docs/PERFORMANCE.md). Off by
/// default: then every probe is one branch. Parts are timed where they run on the calling thread;
/// the kernels inside a part (OpenBLAS's threads, Parallel's workers) count in that part's time.
public enum StepProfile {
    public enum Part: String, CaseIterable, Sendable {
        case data = "data (corrupt, pack, batch)"
        case gemm = "matrix products (projections, MLP, head)"
        case attention = "attention (tiles and softmax)"
        case otherModel = "scans, convolutions, elementwise, norms"
        case loss = "loss (softmax cross-entropy)"
        case optimizer = "clipping and AdamW"
        case evaluation = "held-out evaluation"
        case afterStep = "controller and progress (after each step)"
        case checkpoint = "checkpoints"
    }

    /// One distinct product shape: y (m, n) = op(A) (m, k) op(B) (k, n).
    public struct Shape: Hashable, Sendable, Comparable {
        public let transA: Bool, transB: Bool, m: Int, n: Int, k: Int
        public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
        public init(transA: Bool, transB: Bool, m: Int, n: Int, k: Int) {
            self.transA = transA; self.transB = transB; self.m = m; self.n = n; self.k = k
        }
        /// Largest first.
        public static func < (a: Shape, b: Shape) -> Bool { a.flops > b.flops }
    }

    // Process-wide so that kernels deep in a step can report without a handle; written only on the
    // main thread (probes elsewhere are skipped) and only while `train --profile` runs.
    nonisolated(unsafe) public private(set) static var enabled = false
    nonisolated(unsafe) public private(set) static var seconds: [Part: Double] = [:]
    nonisolated(unsafe) public private(set) static var products: [Shape: (count: Int, seconds: Double)] = [:]

    public static func start() { enabled = true; seconds = [:]; products = [:] }

    /// Runs `body`, adding its wall time to `part` when profiling.
    @inline(__always)
    public static func time<T>(_ part: Part, _ body: () throws -> T) rethrows -> T {
        guard enabled && Thread.isMainThread else { return try body() }
        let t0 = DispatchTime.now().uptimeNanoseconds
        defer { seconds[part, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
        return try body()
    }

    /// Runs one matrix product (`Products.gemm`), adding its wall time to its shape and to the
    /// products' part when profiling.
    @inline(__always)
    public static func product(_ shape: Shape, _ body: () -> Void) {
        guard enabled && Thread.isMainThread else { return body() }
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        let s = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        products[shape, default: (0, 0)].count += 1
        products[shape, default: (0, 0)].seconds += s
        seconds[.gemm, default: 0] += s
    }

    /// The model's forward and backward: its time minus the products, attention and loss timed
    /// inside it is the rest of the model's kernels.
    public static func model<T>(_ body: () throws -> T) rethrows -> T {
        guard enabled && Thread.isMainThread else { return try body() }
        let before = (seconds[.gemm] ?? 0) + (seconds[.attention] ?? 0) + (seconds[.loss] ?? 0)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        let total = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let inside = (seconds[.gemm] ?? 0) + (seconds[.attention] ?? 0) + (seconds[.loss] ?? 0) - before
        seconds[.otherModel, default: 0] += max(total - inside, 0)
        return result
    }

    /// Seconds of one product of this shape run alone on fresh buffers, in `precision` (fp32:
    /// OpenBLAS sgemm; bf16: BF16Products, rounding included): the median of `repeats` after a
    /// warm-up. The machine's speed at the model's own shapes, measured now.
    public static func aloneSeconds(_ s: Shape, precision: Precision = .fp32, repeats: Int = 5) -> Double {
        let a = [Float](repeating: 0.5, count: s.m * s.k), b = [Float](repeating: 0.25, count: s.k * s.n)
        var c = [Float](repeating: 0, count: s.m * s.n)
        let (lda, ldb) = (s.transA ? s.m : s.k, s.transB ? s.k : s.n)
        var times: [Double] = []
        for _ in 0...repeats {   // one warm-up run, not counted
            let t0 = DispatchTime.now().uptimeNanoseconds
            if precision == .bf16 {
                BF16Products.sgemm(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, a: a, lda: lda, b: b, ldb: ldb,
                                   beta: 0, c: &c, ldc: s.n, path: Engine.products.bf16Path ?? .here)
            } else {
                cblas_sgemm(CblasRowMajor, s.transA ? CblasTrans : CblasNoTrans, s.transB ? CblasTrans : CblasNoTrans,
                            Int32(s.m), Int32(s.n), Int32(s.k), 1, a, Int32(lda), b, Int32(ldb), 0, &c, Int32(s.n))
            }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        let sorted = times.dropFirst().sorted()
        return sorted[sorted.count / 2]
    }
}
