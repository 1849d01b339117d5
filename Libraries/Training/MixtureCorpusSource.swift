import Formats
import Models
import Objectives
import Packing
import ToolSupport

/// Training rows from a token-document corpus whose mixture changes during the run (the Birdie
/// controller sets it after each evaluation). Documents, held-out split (every 50th document),
/// generator seed and rows are the engine's CorpusSource's: with a mixture that never changes, the
/// rows are the same.
///
/// Resume: rows are a pure function of (corpus, seed, starting weights, the weights set since and
/// the row positions at which they were set). `seek` replays from the start and applies `changes`
/// at their positions, so the caller restores `changes` (saved with the checkpoint) before seeking.
/// Weights are kept as given (a Mixture divides them by their sum), so a replay is bit-exact.
public final class MixtureCorpusSource: BatchSource {
    public let vocabularyNeeded: Int
    public let length: Int
    public let seed: UInt64
    public let grid: Grid
    public let startingWeights: [Double]
    public private(set) var mixture: Mixture
    /// Every change so far: (rows drawn before it, the weights set), in order.
    public private(set) var changes: [(position: UInt64, weights: [Double])] = []
    public private(set) var position: UInt64 = 0
    public let heldOutDocuments: [[Int32]]
    let corpus: CorpusSource
    var generator: RowGenerator
    var documents: ShuffledDocuments

    /// `weights`: the starting mixture over `grid`'s configurations.
    public init(path: String, grid: Grid, weights: [Double], length: Int, seed: UInt64) throws {
        let mixture = try Mixture(grid: grid, probabilities: weights, source: "the starting mixture")
        corpus = try CorpusSource(path: path, mixture: mixture, length: length, seed: seed)
        vocabularyNeeded = corpus.vocabularyNeeded
        heldOutDocuments = corpus.heldOutDocuments
        self.length = length; self.seed = seed
        self.grid = grid
        startingWeights = weights
        self.mixture = mixture
        generator = try RowGenerator(mixture: mixture, rowLength: length, seed: seed)
        documents = ShuffledDocuments(corpus.training, seed: seed)
    }

    /// Held-out batches at the starting mixture (the engine's mixed held-out loss).
    public func heldOut(batches: Int, batch: Int) throws -> [PackedBatch] {
        try corpus.heldOut(batches: batches, batch: batch)
    }

    /// Samples from `weights` (one per configuration of the grid, summing to 1) from the next row on.
    public func setMixture(weights: [Double]) throws {
        let m = try Mixture(grid: grid, probabilities: weights, source: "the new mixture")
        try generator.setMixture(m)
        mixture = m
        changes.append((position, weights))
    }

    /// Replaces the record of changes (before `seek`, when resuming).
    public func restoreChanges(_ list: [(position: UInt64, weights: [Double])]) {
        changes = list
    }

    public func seek(_ target: UInt64) throws {
        let kept = changes.filter { $0.position <= target }
        mixture = try Mixture(grid: grid, probabilities: startingWeights)
        generator = try RowGenerator(mixture: mixture, rowLength: length, seed: seed)
        documents = ShuffledDocuments(corpus.training, seed: seed)
        position = 0
        changes = []
        var pending = kept[...]
        while true {
            while let change = pending.first, change.position == position {
                try setMixture(weights: change.weights)
                pending = pending.dropFirst()
            }
            guard position < target else { break }
            _ = generator.next(from: &documents)!
            position += 1
        }
    }

    public func next(batch: Int, length: Int) throws -> PackedBatch {
        precondition(length == self.length)
        // The document passes never end, so a row always comes.
        let rows = (0..<batch).map { _ in generator.next(from: &documents)! }
        position += UInt64(batch)
        return CorpusSource.batch(rows)
    }
}
