import CMPI
import Foundation

/// The processes of one data-parallel run (docs/CLUSTER.md). A process started by a launcher
/// (`mpirun -np N`, `srun --mpi=pmix`) with N > 1 joins MPI's world; any other process is rank 0
/// of 1 and never starts MPI, so a single run, and every tool that never asks, is exactly as
/// without this library.
///
/// Every collective here is deterministic for a given N: the sums are done in a fixed order
/// (`sum`), everything else only moves bytes. All ranks must make the same calls in the same order.
public final class Ranks: @unchecked Sendable {
    public let rank: Int
    public let count: Int
    let mpi: Bool
    public var isRoot: Bool { rank == 0 }

    /// This process's place; the first use starts MPI when a launcher asks for more than one process.
    public static let world: Ranks = Ranks()

    private init() {
        guard Ranks.launcherWantsMPI(ProcessInfo.processInfo.environment) else { rank = 0; count = 1; mpi = false; return }
        var provided: Int32 = 0
        MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided)
        var r: Int32 = 0, n: Int32 = 0
        MPI_Comm_rank(birdie_mpi_world(), &r)
        MPI_Comm_size(birdie_mpi_world(), &n)
        rank = Int(r); count = Int(n); mpi = true
    }

    /// Open MPI's mpirun sets OMPI_COMM_WORLD_SIZE; srun --mpi=pmi2 sets PMI_SIZE, srun --mpi=pmix
    /// PMIX_RANK. One process (or none of these: srun without an MPI plugin) runs without MPI.
    public static func launcherWantsMPI(_ env: [String: String]) -> Bool {
        for key in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"] {
            if let n = env[key].flatMap(Int.init) { return n > 1 }
        }
        return env["PMIX_RANK"] != nil
    }

    /// Ends MPI after a successful run (every rank must call it; a failing rank exits without it,
    /// and the launcher then stops the others).
    public func finish() {
        if mpi { MPI_Finalize() }
    }

    /// Sums `buffer[0..<n]` over the ranks, in place on every rank: a ring all-reduce (reduce-scatter,
    /// then all-gather; 2(N-1)/N * 4n bytes sent per rank). Chunk c is summed in ring order starting
    /// at rank c, (((g_c + g_c+1) + g_c+2) + ...), so the result is the same bits on every rank and in
    /// every run with the same N (MPI_Allreduce's order depends on the algorithm Open MPI picks by
    /// size and count, which its tuning may change).
    public func sum(_ buffer: UnsafeMutablePointer<Float>, count n: Int) {
        guard count > 1, n > 0 else { return }
        let ranks = count
        func start(_ c: Int) -> Int { c * n / ranks }
        func length(_ c: Int) -> Int { start(c + 1) - start(c) }
        let incoming = UnsafeMutablePointer<Float>.allocate(capacity: length(ranks - 1) + 1)
        defer { incoming.deallocate() }
        let right = Int32((rank + 1) % ranks), left = Int32((rank + ranks - 1) % ranks)
        // Reduce-scatter: after step s, chunk (rank - s - 1) holds the sum of s + 2 ranks' values.
        for s in 0..<(ranks - 1) {
            let send = ((rank - s) % ranks + ranks) % ranks, receive = ((rank - s - 1) % ranks + ranks) % ranks
            exchange(buffer + start(send), length(send), into: incoming, length(receive), right: right, left: left, tag: 1)
            let target = buffer + start(receive)
            for i in 0..<length(receive) { target[i] = incoming[i] + target[i] }
        }
        // All-gather: rank r holds chunk r + 1 complete; pass the complete chunks round the ring.
        for s in 0..<(ranks - 1) {
            let send = ((rank + 1 - s) % ranks + ranks) % ranks, receive = ((rank - s) % ranks + ranks) % ranks
            exchange(buffer + start(send), length(send), into: buffer + start(receive), length(receive), right: right, left: left, tag: 2)
        }
    }

    private func exchange(_ send: UnsafeMutablePointer<Float>, _ sendCount: Int, into receive: UnsafeMutablePointer<Float>,
                          _ receiveCount: Int, right: Int32, left: Int32, tag: Int32) {
        MPI_Sendrecv(send, Int32(sendCount), birdie_mpi_float(), right, tag,
                     receive, Int32(receiveCount), birdie_mpi_float(), left, tag, birdie_mpi_world(), birdie_mpi_status_ignore())
    }

    /// Every rank's `values` (the same length on every rank), in rank order, on every rank.
    public func gather(_ values: [Double]) -> [[Double]] {
        guard count > 1 else { return [values] }
        var all = [Double](repeating: 0, count: values.count * count)
        var mine = values
        mine.withUnsafeMutableBufferPointer { m in
            all.withUnsafeMutableBufferPointer { a in
                _ = MPI_Allgather(m.baseAddress, Int32(values.count), birdie_mpi_double(),
                                  a.baseAddress, Int32(values.count), birdie_mpi_double(), birdie_mpi_world())
            }
        }
        return (0..<count).map { Array(all[($0 * values.count)..<(($0 + 1) * values.count)]) }
    }

    /// Rank 0's `values` on every rank (`count` values; the other ranks' arguments only give the size).
    public func broadcast(_ values: [Double]) -> [Double] {
        guard count > 1 else { return values }
        var v = values
        v.withUnsafeMutableBufferPointer { _ = MPI_Bcast($0.baseAddress, Int32($0.count), birdie_mpi_double(), 0, birdie_mpi_world()) }
        return v
    }

    /// Waits for every rank.
    public func barrier() {
        if count > 1 { MPI_Barrier(birdie_mpi_world()) }
    }

    /// The rows of a global batch of `rows` that this rank takes: a contiguous block, rank order.
    public func share(of rows: Int) -> Range<Int> {
        (rank * rows / count)..<((rank + 1) * rows / count)
    }
}
