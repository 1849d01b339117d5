import Formats
import Models
import Objectives
import Packing
import Randomness
import ToolSupport

/// Training rows made online from a token-document corpus: documents -> objective samples of a
/// mixture -> packed rows (the Objectives and Packing libraries), pass after pass over the
/// documents, each pass in its own seeded order. Every 50th document is held out for evaluation
/// batches built the same way.
public final class CorpusSource: BatchSource {
    public let vocabularyNeeded: Int
    let training: [[Int32]]
    let heldOutDocuments: [[Int32]]
    let mixture: Mixture
    let length: Int
    let seed: UInt64
    var generator: RowGenerator
    var documents: ShuffledDocuments
    public private(set) var position: UInt64 = 0

    public init(path: String, mixture: Mixture, length: Int, seed: UInt64) throws {
        let reader = try TokenDocumentReader(path: path)
        var train = [[Int32]](), held = [[Int32]]()
        var index = 0
        while let doc = try reader.next() {
            if index % 50 == 49 { held.append(doc) } else { train.append(doc) }
            index += 1
        }
        guard !train.isEmpty else {
            throw ToolError.badInput(path, "holds no documents", fix: "encode a corpus with `tokenize encode`")
        }
        vocabularyNeeded = reader.vocabularySize
        training = train; heldOutDocuments = held.isEmpty ? [train[0]] : held
        self.mixture = mixture; self.length = length; self.seed = seed
        generator = try RowGenerator(mixture: mixture, rowLength: length, seed: seed)
        documents = ShuffledDocuments(training, seed: seed)
    }

    /// Replays from the start: rows are a pure function of (corpus, mixture, seed, index).
    public func seek(_ target: UInt64) throws {
        generator = try RowGenerator(mixture: mixture, rowLength: length, seed: seed)
        documents = ShuffledDocuments(training, seed: seed)
        position = 0
        while position < target { _ = nextRow(); position += 1 }
    }

    func nextRow() -> PackedRow {
        // The document passes never end, so a row always comes.
        generator.next(from: &documents)!
    }

    public func next(batch: Int, length: Int) throws -> PackedBatch {
        precondition(length == self.length)
        let rows = (0..<batch).map { _ in nextRow() }
        position += UInt64(batch)
        return CorpusSource.batch(rows)
    }

    /// Held-out batches from the held-out documents (one pass, fixed seed).
    public func heldOut(batches: Int, batch: Int) throws -> [PackedBatch] {
        var g = try RowGenerator(mixture: mixture, rowLength: length, seed: seed ^ 0x5EED_E7A1)
        var docs = ShuffledDocuments(heldOutDocuments, seed: seed ^ 0x5EED_E7A1)
        return (0..<batches).map { _ in CorpusSource.batch((0..<batch).map { _ in g.next(from: &docs)! }) }
    }

    static func batch(_ rows: [PackedRow]) -> PackedBatch {
        PackedBatch(batch: rows.count, length: rows[0].length, tokens: rows.flatMap(\.tokens),
                    labels: rows.flatMap(\.labels), segments: rows.flatMap(\.segments),
                    regions: rows.flatMap { $0.regions.map(\.rawValue) })
    }
}

/// The documents pass after pass, each pass a seeded permutation of them (pass p uses stream p of
/// `seed`). Reading a corpus in file order would make training follow one section at a time and
/// the held-out loss rise and fall with a period of one pass (docs/SCALE.md).
struct ShuffledDocuments: IteratorProtocol {
    let documents: [[Int32]]
    let seed: UInt64
    private var order: [Int] = []
    private(set) var pass: UInt64 = 0
    private var index = 0

    init(_ documents: [[Int32]], seed: UInt64) {
        precondition(!documents.isEmpty)
        self.documents = documents
        self.seed = seed ^ 0xD0C5_0BDE_5EED_0001
        order = ShuffledDocuments.order(documents.count, seed: self.seed, pass: 0)
    }

    static func order(_ count: Int, seed: UInt64, pass: UInt64) -> [Int] {
        var rng = Xoshiro256StarStar(seed: seed, stream: pass)
        var order = Array(0..<count)
        rng.shuffle(&order)
        return order
    }

    mutating func next() -> [Int32]? {
        if index == order.count {
            pass += 1; index = 0
            order = ShuffledDocuments.order(documents.count, seed: seed, pass: pass)
        }
        defer { index += 1 }
        return documents[order[index]]
    }
}

/// Static packed rows from a `pack` file, in file order, cycling. Every 50th row is held out for
/// evaluation (the first row when the file has fewer than 50).
public final class PackedFileSource: BatchSource {
    public let vocabularyNeeded: Int
    public let rowLength: Int
    let rows: [PackedRow]
    public let heldOutRows: [PackedRow]
    public private(set) var position: UInt64 = 0

    public init(path: String) throws {
        let reader = try RowReader(path: path)
        var train = [PackedRow](), held = [PackedRow]()
        var index = 0
        while let row = try reader.next() {
            if index % 50 == 49 { held.append(row) } else { train.append(row) }
            index += 1
        }
        guard let first = train.first else {
            throw ToolError.badInput(path, "holds no packed rows", fix: "make rows with `pack`")
        }
        guard train.allSatisfy({ $0.length == first.length }) else {
            throw ToolError.badInput(path, "rows of different lengths", fix: "pack with one --length")
        }
        rows = train
        heldOutRows = held.isEmpty ? [first] : held
        rowLength = first.length
        vocabularyNeeded = reader.header.vocabularySize
    }

    public func seek(_ position: UInt64) { self.position = position }

    public func next(batch: Int, length: Int) throws -> PackedBatch {
        precondition(length == rowLength)
        let picked = (0..<batch).map { rows[Int((position + UInt64($0)) % UInt64(rows.count))] }
        position += UInt64(batch)
        return CorpusSource.batch(picked)
    }

    public func heldOut(batches: Int, batch: Int) -> [PackedBatch] {
        (0..<batches).map { k in CorpusSource.batch((0..<batch).map { heldOutRows[(k * batch + $0) % heldOutRows.count] }) }
    }
}
