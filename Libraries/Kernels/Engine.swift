import CBLAS
import Foundation

/// The engine's process settings, made once at start-up by every tool that runs a model:
/// `Engine.prepareProcess()` first (it may re-execute the process), then `Engine.configure`.
public enum Engine {
    /// How every Linear and the attention tiles multiply. Process-wide because it is fixed before
    /// the first product and read inside kernels that have no other way to receive it; only
    /// `configure` writes it.
    public private(set) nonisolated(unsafe) static var products: Products = .fp32

    /// `--threads` and `--precision`: the worker count (Parallel's, OpenBLAS's and oneDNN's) and the
    /// products' precision (auto resolved for this CPU). Returns the precision that runs. `bf16Path`
    /// is for tests and benchmarks that compare the two bf16 paths (native only where
    /// `BF16Path.here` is). Changing OpenBLAS's threads while another thread is in an sgemm is
    /// unsafe, so call it before any work.
    @discardableResult
    public static func configure(threads: Int, precision: PrecisionChoice, bf16Path: BF16Path = .here) -> Precision {
        precondition(bf16Path == .portable || BF16Path.here == .native, "the native bf16 path needs AVX512-BF16")
        Parallel.workers = max(1, threads)
        openblas_set_num_threads(Int32(Parallel.workers))
        BF16Products.setThreads(Parallel.workers)
        products = precision.resolved == .bf16 ? .bf16(bf16Path) : .fp32
        return products.precision
    }

    /// Library settings read from the environment when the libraries load, so a tool calls this
    /// first: it sets what is unset and re-executes itself once (a variable already set is kept,
    /// so a user can override either).
    /// - OPENBLAS_CORETYPE=SKYLAKEX where the CPU has AVX-512: OpenBLAS 0.3.21 (Debian 12) does not
    ///   recognise AMD Zen 4 and runs its Haswell (AVX2) sgemm there; its SkylakeX kernels train
    ///   about 1.6x faster on this machine (`make bench-train`).
    /// - OMP_WAIT_POLICY=passive: oneDNN's OpenMP threads (the bf16 products) otherwise spin after
    ///   each product and take the cores from the scans and OpenBLAS; bf16 training ran 1.23x
    ///   faster with it (alternating runs, docs/PERFORMANCE.md).
    /// - OPENBLAS_THREAD_TIMEOUT=10: OpenBLAS's own threads likewise spin, yielding, for 2^28 cycles
    ///   (about 70 ms) after each product by default, taking a core from the scans and elementwise
    ///   work between products; after 2^10 cycles they sleep. fp32 training at d 128 x 4 ran 1.11x
    ///   faster with it (alternating runs, docs/PERFORMANCE.md).
    public static func prepareProcess() {
        #if os(Linux)
        var changed = false
        for (name, value) in [("OMP_WAIT_POLICY", "passive"), ("OPENBLAS_THREAD_TIMEOUT", "10")] where getenv(name) == nil {
            setenv(name, value, 1)
            changed = true
        }
        // /proc files report size 0: read to the end rather than by size.
        if getenv("OPENBLAS_CORETYPE") == nil,
           let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let flags = cpu.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
           case let have = Set(flags.split(separator: " ").map(String.init)),
           ["avx512f", "avx512dq", "avx512bw", "avx512vl"].allSatisfy(have.contains) {
            setenv("OPENBLAS_CORETYPE", "SKYLAKEX", 1)
            changed = true
        }
        guard changed else { return }
        var arguments: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &arguments)
        // exec failed: carry on with the libraries' defaults.
        #endif
    }
}
