import Foundation
import Formats
import Vocabulary
import Randomness

/// Throughput of the sample generator per objective class (make bench-corrupt).
public enum ObjectiveBenchmark {
    /// The authors' single-worker figures (Intel i7-10700K, tokens/s at row length 2048).
    public static let published: [ObjectiveClass: Double] = [
        .copying: 484_687, .nextToken: 497_818, .prefixLM: 494_395, .deshuffling: 248_715,
        .selectiveCopying: 400_331, .autoencoding: 357_100, .spanCorruption: 69_498,
    ]

    public struct Result: Sendable {
        public var objectiveClass: ObjectiveClass
        /// Sample tokens (input + target, the row positions they fill) per second: median, min, max.
        public var tokensPerSecond: [Double]
        public var median: Double { tokensPerSecond.sorted()[tokensPerSecond.count / 2] }
    }

    /// Vocabulary size of the synthetic documents (16,384 text tokens after the reserved ids).
    public static let vocabularySize = Int(Vocabulary.reservedCount) + 16_384

    /// Text-like documents: Zipf-distributed ids (exponent 1) over `vocabulary` text tokens.
    public static func syntheticDocuments(count: Int, length: Int, vocabulary: Int = 16_384, seed: UInt64) -> [[TokenID]] {
        var cumulative = [Double](), sum = 0.0
        for rank in 1...vocabulary { sum += 1 / Double(rank); cumulative.append(sum) }
        var rng = Xoshiro256StarStar(seed: seed)
        return (0..<count).map { _ in
            (0..<length).map { _ in
                let u = rng.unit() * sum
                var lo = 0, hi = vocabulary - 1
                while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] > u { hi = mid } else { lo = mid + 1 } }
                return Vocabulary.reservedCount + TokenID(lo)
            }
        }
    }

    /// Writes `count` synthetic documents of 8,192 tokens as a token-document stream (for timing pipes).
    public static func writeDocuments(count: Int, to path: String) throws {
        let writer = try TokenDocumentWriter(path: path, vocabularySize: vocabularySize,
                                             provenance: Provenance(tool: "corrupt bench", arguments: Provenance.commandLine, seed: 1))
        for i in 0..<count { try writer.append(syntheticDocuments(count: 1, length: 8192, seed: UInt64(i))[0]) }
        try writer.finish()
    }

    /// For each class of `grid`: the class's configurations at equal weight, `tokens` sample tokens
    /// per repetition, from documents cycled in memory (reading is not timed).
    public static func run(grid: Grid, rowLength: Int, tokens: Int, repetitions: Int, seed: UInt64,
                           documents: [[TokenID]]) throws -> [Result] {
        var results = [Result]()
        for objectiveClass in ObjectiveClass.allCases where grid.classes.contains(objectiveClass) {
            let members = grid.classes.map { $0 == objectiveClass ? 1.0 : 0 }
            let total = members.reduce(0, +)
            let mixture = try Mixture(grid: grid, probabilities: members.map { $0 / total })
            var rates = [Double]()
            for repetition in 0..<repetitions {
                var generator = try SampleGenerator(mixture: mixture, rowLength: rowLength, seed: seed &+ UInt64(repetition))
                var i = 0
                var docs = AnyIterator<[TokenID]> { i += 1; return documents[i % documents.count] }
                var produced = 0
                let start = DispatchTime.now().uptimeNanoseconds
                while produced < tokens, let sample = generator.next(from: &docs) { produced += sample.length }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                rates.append(Double(produced) / seconds)
            }
            results.append(Result(objectiveClass: objectiveClass, tokensPerSecond: rates))
        }
        return results
    }

    /// The table printed by `corrupt bench`.
    public static func table(_ results: [Result], rowLength: Int) -> String {
        func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        var lines = ["objective class      ours (tokens/s)  authors (tokens/s)     ratio   (row length \(rowLength), one core, median of \(results.first?.tokensPerSecond.count ?? 0))"]
        for r in results {
            let authors = published[r.objectiveClass] ?? .nan
            lines.append(r.objectiveClass.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)
                         + pad(String(format: "%.0f", r.median), 17) + pad(String(format: "%.0f", authors), 20)
                         + pad(String(format: "%.0fx", r.median / authors), 10))
        }
        return lines.joined(separator: "\n")
    }
}
