import Objectives
import ToolSupport
import Vocabulary

/// Counts of a packing run.
public struct PackingStats: Sendable, Equatable, Codable {
    public var samples = 0
    /// Samples longer than a row (or without a target): dropped, never truncated, because a cut
    /// target teaches the model to stop mid-answer and a cut context may lose what it must recall.
    public var droppedSamples = 0
    public var droppedTokens = 0
    public var rows = 0
    /// Positions holding sample tokens, over all rows emitted.
    public var filledPositions = 0
    public var rowLength = 0

    public var fillRate: Double { rows == 0 ? 0 : Double(filledPositions) / Double(rows * rowLength) }
}

/// Packs samples into fixed-length rows, first fit over a small window of open rows: a sample goes
/// into the oldest open row with room for it; when none has room, the oldest open row is closed
/// (padded on the right and emitted) if the window is full, and a new row is opened. A row is also
/// emitted as soon as it is exactly full. window 1 is plain greedy packing in arrival order.
/// Deterministic: the same samples in the same order give the same rows.
public struct Packer: Sendable {
    public let rowLength: Int
    public let window: Int
    public private(set) var stats: PackingStats
    private var open: [OpenRow] = []

    struct OpenRow: Sendable, Equatable, Codable {
        var row: PackedRow
        var used: Int
    }

    public init(rowLength: Int, window: Int = 8) {
        precondition(rowLength >= 2 && window >= 1)
        self.rowLength = rowLength
        self.window = window
        self.stats = PackingStats(rowLength: rowLength)
    }

    /// Adds a sample; returns the rows it completed (usually none).
    public mutating func add(_ sample: ObjectiveSample) -> [PackedRow] {
        let size = sample.length
        guard size <= rowLength, !sample.target.isEmpty else {
            stats.droppedSamples += 1
            stats.droppedTokens += size
            return []
        }
        stats.samples += 1
        var emitted = [PackedRow]()
        var slot = open.firstIndex { rowLength - $0.used >= size }
        if slot == nil {
            if open.count == window { emitted.append(close(0)) }
            open.append(OpenRow(row: PackedRow(length: rowLength), used: 0))
            slot = open.count - 1
        }
        let i = slot!
        open[i].row.place(sample, at: open[i].used)
        open[i].used += size
        if open[i].used == rowLength { emitted.append(close(i)) }
        return emitted
    }

    /// Closes every open row (oldest first); call at the end of the samples.
    public mutating func finish() -> [PackedRow] {
        var emitted = [PackedRow]()
        while !open.isEmpty { emitted.append(close(0)) }
        return emitted
    }

    private mutating func close(_ i: Int) -> PackedRow {
        let closed = open.remove(at: i)
        stats.rows += 1
        stats.filledPositions += closed.used
        return closed.row
    }

    /// The rows being filled and the counts, for checkpoints.
    public struct State: Sendable, Equatable, Codable {
        var open: [OpenRow]
        public var stats: PackingStats
    }

    public var state: State { State(open: open, stats: stats) }

    public mutating func restore(_ state: State) throws {
        guard state.stats.rowLength == rowLength, state.open.allSatisfy({ $0.row.length == rowLength }) else {
            throw ToolError.usage("the saved packer state is for rows of \(state.stats.rowLength), not \(rowLength)")
        }
        open = state.open
        stats = state.stats
    }
}

/// Documents -> packed rows in one step, for `train`: a SampleGenerator feeding a Packer. The
/// mixture may change between rows (rows already open keep the samples they hold).
public struct RowGenerator: Sendable {
    public private(set) var samples: SampleGenerator
    public private(set) var packer: Packer
    private var ready: [PackedRow] = []
    private var finished = false

    public init(mixture: Mixture, rowLength: Int, seed: UInt64, window: Int = 8,
                placement: ParadigmPlacement = .prepend) throws {
        samples = try SampleGenerator(mixture: mixture, rowLength: rowLength, seed: seed, placement: placement)
        packer = Packer(rowLength: rowLength, window: window)
    }

    public mutating func setMixture(_ mixture: Mixture) throws { try samples.setMixture(mixture) }

    /// Everything needed to continue exactly (with the same documents and mixture), for checkpoints.
    public struct State: Sendable, Equatable, Codable {
        public var samples: SampleGenerator.State
        public var packer: Packer.State
        var ready: [PackedRow]
        var finished: Bool
    }

    public var state: State { State(samples: samples.state, packer: packer.state, ready: ready, finished: finished) }

    /// Continues from `state`, re-reading the documents already used from `documents` (the same stream).
    public mutating func restore<Documents: IteratorProtocol>(_ state: State, documents: inout Documents) throws
    where Documents.Element == [TokenID] {
        try samples.restore(state.samples, documents: &documents)
        try packer.restore(state.packer)
        ready = state.ready
        finished = state.finished
    }

    /// The next row; nil when the documents are used up and every row has been emitted.
    public mutating func next<Documents: IteratorProtocol>(from documents: inout Documents) -> PackedRow?
    where Documents.Element == [TokenID] {
        while ready.isEmpty && !finished {
            if let sample = samples.next(from: &documents) {
                ready.append(contentsOf: packer.add(sample))
            } else {
                ready.append(contentsOf: packer.finish())
                finished = true
            }
        }
        return ready.isEmpty ? nil : ready.removeFirst()
    }
}
