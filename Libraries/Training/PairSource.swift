import Models
import Objectives
import Packing
import ToolSupport
import Vocabulary
import Randomness

/// Fine-tuning rows from prompt/target pairs already in tokens (input = the prefix region, target
/// = the causal region, as Tasks.TaskText makes them), packed like training rows (Packing's
/// first-fit Packer). Each pass over the pairs is in a fresh seeded order; batch k is a pure
/// function of (pairs, seed, k), so `seek` replays and a resumed run sees the same rows.
/// Every 50th pair (when there are at least 50) is held out for evaluation batches.
public final class PairSource: BatchSource {
    public let vocabularyNeeded: Int
    public let length: Int
    public let seed: UInt64
    let training: [ObjectiveSample]
    let heldOutPairs: [ObjectiveSample]
    /// Pairs longer than a row: never trained on (a cut answer teaches stopping mid-answer).
    public let tooLong: Int
    private var rows: PairRows
    public private(set) var position: UInt64 = 0

    public init(pairs: [(input: [TokenID], target: [TokenID])], vocabulary: Int, length: Int, seed: UInt64, file: String) throws {
        let samples = pairs.map { ObjectiveSample(configuration: 0, input: $0.input, target: $0.target) }
        let fitting = samples.filter { $0.length <= length && !$0.target.isEmpty }
        // Training on the few short pairs that fit would quietly be a different experiment.
        guard fitting.count * 2 >= samples.count, !fitting.isEmpty else {
            let longest = samples.map(\.length).max() ?? 0
            throw ToolError.badInput(file, "\(samples.count - fitting.count) of \(samples.count) prompt/target pairs do not fit a row of \(length) tokens (the longest needs \(longest))",
                                     fix: "use --length \(longest) or shorter items (phonebook-gen --max-tokens)")
        }
        tooLong = samples.count - fitting.count
        if fitting.count >= 50 {
            training = fitting.enumerated().filter { $0.offset % 50 != 49 }.map(\.element)
            heldOutPairs = fitting.enumerated().filter { $0.offset % 50 == 49 }.map(\.element)
        } else {
            training = fitting
            heldOutPairs = fitting
        }
        vocabularyNeeded = vocabulary
        self.length = length; self.seed = seed
        rows = PairRows(training, length: length, seed: seed)
    }

    public func seek(_ target: UInt64) throws {
        rows = PairRows(training, length: length, seed: seed)
        position = 0
        while position < target { _ = rows.next(); position += 1 }
    }

    public func next(batch: Int, length: Int) throws -> PackedBatch {
        precondition(length == self.length)
        let batchRows = (0..<batch).map { _ in rows.next() }
        position += UInt64(batch)
        return CorpusSource.batch(batchRows)
    }

    /// Evaluation batches from the held-out pairs (in file order, cycling).
    public func heldOut(batches: Int, batch: Int) -> [PackedBatch] {
        var r = PairRows(heldOutPairs, length: length, seed: nil)
        return (0..<batches).map { _ in CorpusSource.batch((0..<batch).map { _ in r.next() }) }
    }
}

/// Pairs -> rows forever: passes over the pairs (shuffled per pass when seeded) into a Packer.
struct PairRows {
    let pairs: [ObjectiveSample]
    let length: Int
    var rng: SplitMix64?
    var order: [Int] = []
    var cursor = 0
    var packer: Packer
    var ready: [PackedRow] = []

    init(_ pairs: [ObjectiveSample], length: Int, seed: UInt64?) {
        self.pairs = pairs; self.length = length
        rng = seed.map { SplitMix64(seed: $0 ^ 0x9A1F_7E57) }
        packer = Packer(rowLength: length)
    }

    mutating func next() -> PackedRow {
        while ready.isEmpty {
            if cursor == order.count {
                order = Array(pairs.indices)
                if var r = rng {
                    // Fisher-Yates with our own draws: the same order on every build.
                    for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(r.next() % UInt64(i + 1))) }
                    rng = r
                }
                cursor = 0
            }
            ready.append(contentsOf: packer.add(pairs[order[cursor]]))
            cursor += 1
        }
        return ready.removeFirst()
    }
}
