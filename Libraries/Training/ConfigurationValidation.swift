import Distributed
import Models
import Objectives
import Packing
import ToolSupport
import Vocabulary

/// Fixed held-out rows for each configuration of a grid, and the validation loss per configuration
/// the Birdie controller reads (docs/METHOD.md 4).
///
/// The rows of configuration k come from exactly the training path: a RowGenerator (SampleGenerator
/// + Packer) over the held-out documents with the mixture `Mixture.single(k, of: grid)`, so every
/// segment of those rows is configuration k, packed and aligned like a training row. They are built
/// once, from a seed of their own per configuration, and reused at every evaluation, so two
/// evaluations differ only by the model.
///
/// Loss of configuration k: the summed cross-entropy over the labelled positions of its rows
/// divided by their count (a mean per labelled token, the engine's convention for its held-out loss;
/// choice). Long targets weigh more than short ones within a configuration; configurations are
/// never mixed, so this does not bias the comparison between them.
public struct ConfigurationValidation: Sendable {
    public let grid: Grid
    /// rows[k]: the held-out rows of configuration k.
    public let rows: [[PackedRow]]
    let batches: [PackedBatch]

    /// Builds up to `rowsPerConfiguration` rows per configuration from `documents` (cycled at most
    /// `passes` times). `source` names the documents in errors: a configuration that gets no row
    /// (every held-out document too short for it) is bad input.
    public init(grid: Grid, documents: [[TokenID]], rowLength: Int, rowsPerConfiguration: Int, seed: UInt64,
                source: String, passes: Int = 4) throws {
        precondition(rowsPerConfiguration >= 1 && passes >= 1)
        var all: [[PackedRow]] = []
        for k in 0..<grid.count {
            var generator = try RowGenerator(mixture: .single(k, of: grid), rowLength: rowLength,
                                             seed: ConfigurationValidation.seed(seed, configuration: k))
            var docs = BoundedCycle(documents, passes: passes)
            var rows: [PackedRow] = []
            while rows.count < rowsPerConfiguration, let row = generator.next(from: &docs) { rows.append(row) }
            guard !rows.isEmpty, rows.contains(where: { $0.labels.contains { $0 != PackedRow.noLabel } }) else {
                throw ToolError.badInput(source, "the held-out documents give no sample of configuration \(grid.configurations[k].name) (too short for it)",
                                         fix: "hold out longer documents, use a longer --length, or a grid without it")
            }
            all.append(rows)
        }
        self.grid = grid
        rows = all
        batches = all.map(CorpusSource.batch)
    }

    /// An unrelated generator seed per configuration, apart from the training stream's.
    static func seed(_ seed: UInt64, configuration k: Int) -> UInt64 {
        CopyingTask.streamSeed(seed ^ 0x7A11_DA7E_5EED_0001, UInt64(k))
    }

    /// Labelled positions per configuration (what each mean is over).
    public var labelledTokens: [Int] {
        rows.map { $0.reduce(0) { $0 + $1.labels.reduce(0) { $0 + ($1 != PackedRow.noLabel ? 1 : 0) } } }
    }

    /// The mean loss per labelled token of each configuration's rows, in grid order.
    public func losses(_ model: Model) -> [Double] {
        batches.map { loss(model, $0) }
    }

    /// `losses` on every rank, configuration k measured on rank k % N (the same bits as one process).
    public func losses(_ model: Model, ranks: Ranks) -> [Double] {
        guard ranks.count > 1 else { return losses(model) }
        let perRank = (batches.count + ranks.count - 1) / ranks.count
        var mine = [Double](repeating: 0, count: perRank)
        for (j, k) in stride(from: ranks.rank, to: batches.count, by: ranks.count).enumerated() { mine[j] = loss(model, batches[k]) }
        let all = ranks.gather(mine)
        return batches.indices.map { all[$0 % ranks.count][$0 / ranks.count] }
    }

    func loss(_ model: Model, _ b: PackedBatch) -> Double {
        let r = model.loss(b)
        return r.count > 0 ? r.sum / Double(r.count) : .nan
    }
}

/// The documents in order, at most `passes` times: a generator looking for a configuration the
/// documents cannot serve then ends instead of skipping forever.
struct BoundedCycle: IteratorProtocol {
    let documents: [[TokenID]]
    let limit: Int
    var served = 0

    init(_ documents: [[TokenID]], passes: Int) {
        self.documents = documents
        limit = documents.count * passes
    }

    mutating func next() -> [TokenID]? {
        guard served < limit else { return nil }
        defer { served += 1 }
        return documents[served % documents.count]
    }
}
