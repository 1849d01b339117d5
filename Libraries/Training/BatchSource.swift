import Models
import Vocabulary
import Randomness

/// Where training rows come from. `position` is saved in checkpoints; `seek` restores it so a
/// resumed run sees exactly the batches an uninterrupted run would have seen.
public protocol BatchSource: AnyObject {
    /// The smallest vocabulary the data fits in (largest token id + 1 or more).
    var vocabularyNeeded: Int { get }
    var position: UInt64 { get }
    func seek(_ position: UInt64) throws
    func next(batch: Int, length: Int) throws -> PackedBatch
}

/// A synthetic task that needs the context: copy a random string of `symbols` distinct tokens.
/// Each sample is [COPY paradigm, x1..xk] (prefix) then START, x1..xk-1 predicting x1..xk (causal),
/// packed left to right into rows; batch k is a pure function of (seed, k).
public final class CopyingTask: BatchSource {
    public let symbols: Int
    public let lengths: ClosedRange<Int>
    public let seed: UInt64
    public private(set) var position: UInt64 = 0
    /// Symbols are the byte tokens, so the task fits any vocabulary of the project.
    public static let firstSymbol = Int32(160)
    public var vocabularyNeeded: Int { Int(CopyingTask.firstSymbol) + symbols }

    public init(symbols: Int = 16, lengths: ClosedRange<Int> = 4...12, seed: UInt64) {
        self.symbols = symbols; self.lengths = lengths; self.seed = seed
    }

    public func seek(_ position: UInt64) { self.position = position }

    public func next(batch: Int, length: Int) -> PackedBatch {
        let b = CopyingTask.make(batch: batch, length: length, symbols: symbols, lengths: lengths,
                                 seed: CopyingTask.streamSeed(seed, position))
        position += 1
        return b
    }

    /// An unrelated generator seed per (seed, index): SplitMix64 streams of nearby seeds overlap.
    static func streamSeed(_ seed: UInt64, _ index: UInt64) -> UInt64 {
        var r = SplitMix64(seed: seed ^ 0x243F_6A88_85A3_08D3)
        _ = r.next()
        var s = SplitMix64(seed: r.next() &+ index)
        return s.next()
    }

    static func make(batch: Int, length: Int, symbols: Int, lengths: ClosedRange<Int>, seed: UInt64) -> PackedBatch {
        var rng = SplitMix64(seed: seed)
        var tokens = [Int32](), labels = [Int32](), segments = [Int32](), regions = [UInt8]()
        for _ in 0..<batch {
            var used = 0, segment: Int32 = 1
            while true {
                let k = lengths.lowerBound + Int(rng.next() % UInt64(lengths.count))
                guard used + 2 * k + 1 <= length else { break }
                let text = (0..<k).map { _ in firstSymbol + Int32(rng.next() % UInt64(symbols)) }
                let input = [SpecialToken.paradigmCopying.rawValue] + text
                for t in input {
                    tokens.append(t); labels.append(-1); segments.append(segment); regions.append(Region.prefix.rawValue)
                }
                for i in 0..<k {
                    tokens.append(i == 0 ? SpecialToken.start.rawValue : text[i - 1]); labels.append(text[i])
                    segments.append(segment); regions.append(Region.causal.rawValue)
                }
                used += 2 * k + 1
                segment += 1
            }
            for _ in used..<length { tokens.append(0); labels.append(-1); segments.append(0); regions.append(0) }
        }
        return PackedBatch(batch: batch, length: length, tokens: tokens, labels: labels, segments: segments, regions: regions)
    }

    /// Fixed held-out batches (another seed stream).
    public func heldOut(batches: Int, batch: Int, length: Int) -> [PackedBatch] {
        (0..<batches).map {
            CopyingTask.make(batch: batch, length: length, symbols: symbols, lengths: lengths,
                             seed: CopyingTask.streamSeed(~seed, UInt64($0)))
        }
    }
}

/// Uniformly random tokens, one causal sample filling each row: nothing to learn beyond the
/// unigram distribution, every position labelled. For throughput benchmarks.
public final class RandomTokens: BatchSource {
    public let vocabularyNeeded: Int
    public let seed: UInt64
    public private(set) var position: UInt64 = 0

    public init(vocabulary: Int, seed: UInt64) { vocabularyNeeded = vocabulary; self.seed = seed }

    public func seek(_ position: UInt64) { self.position = position }

    public func next(batch: Int, length: Int) -> PackedBatch {
        var rng = SplitMix64(seed: CopyingTask.streamSeed(seed, position))
        position += 1
        let firstToken = Int32(SpecialToken.done.rawValue + 1)
        var tokens = [Int32](), labels = [Int32]()
        for _ in 0..<batch {
            let text = (0..<length).map { _ in firstToken + Int32(rng.next() % UInt64(vocabularyNeeded - Int(firstToken))) }
            tokens.append(SpecialToken.start.rawValue)
            tokens.append(contentsOf: text.dropLast())
            labels.append(contentsOf: text)
        }
        return PackedBatch(batch: batch, length: length, tokens: tokens, labels: labels,
                           segments: [Int32](repeating: 1, count: batch * length),
                           regions: [UInt8](repeating: Region.causal.rawValue, count: batch * length))
    }
}
