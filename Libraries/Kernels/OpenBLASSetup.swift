import CBLAS
import Foundation

/// Process-wide engine settings a tool makes first: the OpenBLAS kernels and the thread count.
public enum EngineOps {
    /// `--threads`: the one thread setting, `Parallel.workers`, handed to OpenBLAS too (once, at
    /// start-up: changing OpenBLAS's threads while another thread is in an sgemm is unsafe).
    public static func setThreads(_ n: Int) {
        Parallel.workers = max(1, n)
        openblas_set_num_threads(Int32(Parallel.workers))
        BF16Products.setThreads(Parallel.workers)
    }

    /// OpenBLAS 0.3.21 (Debian 12) does not recognise AMD Zen 4 and runs its Haswell (AVX2) sgemm
    /// there although the CPU has AVX-512; its SkylakeX kernels train about 1.6x faster on this
    /// machine (measured with `make bench-train`). The core type is read when the library loads,
    /// so a tool calls this first: it sets OPENBLAS_CORETYPE and re-executes itself once. Nothing
    /// happens when the variable is already set (set it to override) or the CPU lacks AVX-512.
    public static func preferAVX512BLAS() {
        #if os(Linux)
        guard getenv("OPENBLAS_CORETYPE") == nil,
              // /proc files report size 0: read to the end rather than by size.
              let data = FileHandle(forReadingAtPath: "/proc/cpuinfo")?.readDataToEndOfFile(),
              case let cpu = String(decoding: data, as: UTF8.self),
              let flags = cpu.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return }
        let have = Set(flags.split(separator: " ").map(String.init))
        guard ["avx512f", "avx512dq", "avx512bw", "avx512vl"].allSatisfy(have.contains) else { return }
        setenv("OPENBLAS_CORETYPE", "SKYLAKEX", 1)
        var arguments: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &arguments)
        // exec failed: carry on with the default kernels.
        #endif
    }
}
