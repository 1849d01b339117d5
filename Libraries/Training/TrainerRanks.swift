import Distributed
import Foundation
import Kernels
import Models
import ToolSupport

/// Data parallelism (docs/CLUSTER.md). Every rank draws the whole global batch from its own copy of
/// the source (the same rows as one process, so the data position, resume and the Birdie mixture
/// changes do not depend on N) and takes its block of rows, `Ranks.share`. With one rank these are
/// exactly the single-process calls.
extension Trainer {
    /// Loss sum and labelled count of the global batch; the model's gradients become the global
    /// batch's (the mean over all its labelled positions), the same bits on every rank.
    func lossAndGradient(_ batch: PackedBatch) -> (sum: Double, count: Int) {
        guard ranks.count > 1 else { return model.lossAndGradient(batch) }
        let local = model.lossAndGradient(batch.rows(ranks.share(of: batch.batch)))
        // The model averages over its own labelled positions (local.count); weight each share by
        // its part of the global count so the ranks' sum is the global mean.
        let total = batch.labels.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
        let weight = total > 0 ? Float(local.count) / Float(total) : 0
        let g = model.gradients, n = model.parameterCount
        for i in 0..<n { g[i] *= weight }
        ranks.sum(g, count: n)
        // Loss sums added in rank order (Double; identical on every rank).
        let sum = ranks.gather([local.sum]).reduce(0) { $0 + $1[0] }
        return (sum, total)
    }

    /// Per held-out batch, in batch order: batch i is scored on rank i % N and gathered.
    func heldOutFigures() -> [(sum: Double, count: Int, correct: Int, samples: Int, samplesCorrect: Int)] {
        guard ranks.count > 1 else { return evalBatches.map { model.lossAndAccuracy($0) } }
        let perRank = (evalBatches.count + ranks.count - 1) / ranks.count
        var mine = [Double](repeating: 0, count: 5 * perRank)
        for (j, i) in stride(from: ranks.rank, to: evalBatches.count, by: ranks.count).enumerated() {
            let r = model.lossAndAccuracy(evalBatches[i])
            mine.replaceSubrange((5 * j)..<(5 * j + 5), with: [r.sum, Double(r.count), Double(r.correct), Double(r.samples), Double(r.samplesCorrect)])
        }
        let all = ranks.gather(mine)
        return evalBatches.indices.map { i in
            let f = all[i % ranks.count][(5 * (i / ranks.count))...]
            let at = f.startIndex
            return (f[at], Int(f[at + 1]), Int(f[at + 2]), Int(f[at + 3]), Int(f[at + 4]))
        }
    }
}

extension PackedBatch {
    /// Rows `range` of the batch.
    func rows(_ range: Range<Int>) -> PackedBatch {
        let cells = (range.lowerBound * length)..<(range.upperBound * length)
        return PackedBatch(batch: range.count, length: length, tokens: Array(tokens[cells]), labels: Array(labels[cells]),
                           segments: Array(segments[cells]), regions: Array(regions[cells]))
    }
}

/// What `train` and `finetune` do differently on more than one rank.
public enum DataParallel {
    /// The run's flags with the rank count (kept in the state only when above 1, so a single
    /// process's state is as before).
    public static func flags(_ flags: [String: String]) -> [String: String] {
        var f = flags
        if Ranks.world.count > 1 { f["ranks"] = String(Ranks.world.count) }
        return f
    }

    /// `--batch` is the global batch: it must split evenly over the ranks.
    public static func checkBatch(_ batch: Int) throws {
        let n = Ranks.world.count
        guard batch % n == 0 else {
            throw ToolError.usage("--batch \(batch) does not split over \(n) ranks; give a multiple of \(n) (--batch is the global batch)")
        }
    }

    /// `Checkpoint.resume` with any rank count: a run saved by N ranks continues with M. The batches
    /// are the same (every rank reads the global batch), but the gradients are summed in another
    /// order, so the continuation equals the uninterrupted run only to fp32 rounding; a warning says
    /// so. The state keeps the N the run started with.
    public static func resume(_ path: String, flags: [String: String], steps: Int, tool: String) throws -> (model: Model, saved: Checkpoint.Saved) {
        let loaded = try Checkpoint.loadResume(path)
        let started = loaded.state.run?["ranks"].flatMap { Int($0) } ?? 1
        var flags = flags
        flags["ranks"] = started > 1 ? String(started) : nil
        try loaded.state.checkResume(flags: flags, steps: steps, path: path)
        let n = Ranks.world.count
        if started != n && Ranks.world.isRoot {
            printError("\(tool): warning: --resume \(path): the run started on \(started) rank\(started == 1 ? "" : "s"), this one has \(n): the same batches, but the gradients are summed in another order, so it continues the run only to fp32 rounding, not bit for bit")
        }
        return (loaded.model, (loaded.m, loaded.v, loaded.state))
    }

    /// `train --bench-allreduce`: per message size, the median seconds of our ring (`Ranks.sum`) and
    /// of MPI_Allreduce, and the ring's bus bandwidth 2(N-1)/N * bytes / seconds, on rank 0's stdout.
    public static func benchmarkAllReduce() throws {
        Engine.prepareProcess()
        let ranks = Ranks.world
        var lines = ["ranks\tbytes\tring_s\tmpi_allreduce_s\tring_bus_GB_per_s"]
        for bytes in [4 << 10, 64 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20, 256 << 20] {
            let t = ranks.timeAllReduce(floats: bytes / 4, repeats: bytes >= 64 << 20 ? 5 : 20)
            let bus = 2 * Double(ranks.count - 1) / Double(ranks.count) * Double(bytes) / t.ring / 1e9
            lines.append(String(format: "%d\t%d\t%.6f\t%.6f\t%.2f", ranks.count, bytes, t.ring, t.mpi, bus))
        }
        if ranks.isRoot { try StandardStreams.printOutput(lines.joined(separator: "\n")) }
        ranks.finish()
    }
}
