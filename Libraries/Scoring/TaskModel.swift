import Foundation
import Models
import Vocabulary

/// What scoring asks of a model. `ModelScorer` is the real one; tests script their own.
public protocol TaskModel {
    var vocabularySize: Int { get }
    /// Greedy continuation of the prefix `input` (after START): up to `maxNewTokens` tokens, the
    /// first EOS included and ending it.
    func generate(_ input: [TokenID], maxNewTokens: Int) -> [TokenID]
    /// Summed negative log-likelihood (nats) of each continuation after the prefix `input`.
    func continuationLosses(_ input: [TokenID], _ continuations: [[TokenID]]) -> [Double]
    /// The argmax prediction at each target position with the true target fed in (teacher forcing):
    /// greedy decoding reproduces the target exactly when all of these are right.
    func predictions(_ input: [TokenID], target: [TokenID]) -> [TokenID]
}

/// Index of the largest value, the first on a tie.
func argmax(_ values: UnsafeBufferPointer<Float>) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}

func argmax(_ values: [Float]) -> Int { values.withUnsafeBufferPointer { argmax($0) } }

/// A trained model: greedy decoding step by step with the Models Decoder (the recurrent state, or
/// the transformer's keys and values, carried forward), losses from one full forward.
public final class ModelScorer: TaskModel {
    public let model: Model
    public init(_ model: Model) { self.model = model }
    public var vocabularySize: Int { model.config.vocab }

    public func generate(_ input: [TokenID], maxNewTokens: Int) -> [TokenID] {
        guard maxNewTokens > 0 else { return [] }
        let decoder = Decoder(model)
        var logits = decoder.start(prefix: input)
        var out: [TokenID] = []
        while true {
            let next = TokenID(argmax(logits))
            out.append(next)
            if next == SpecialToken.eos.rawValue || out.count == maxNewTokens { return out }
            logits = decoder.step(next)
        }
    }

    /// Rows `input START c[0..m-1)` labelled with `c` (at least one token), one per continuation,
    /// padded on the right.
    static func batch(_ input: [TokenID], _ continuations: [[TokenID]]) -> PackedBatch {
        precondition(continuations.allSatisfy { !$0.isEmpty }, "a continuation needs at least one token")
        let n = input.count, length = n + continuations.map(\.count).max()!
        var tokens = [Int32](), labels = [Int32](), segments = [Int32](), regions = [UInt8]()
        for c in continuations {
            let pad = length - n - c.count
            tokens += input + [SpecialToken.start.rawValue] + c.dropLast() + [Int32](repeating: 0, count: pad)
            labels += [Int32](repeating: -1, count: n) + c + [Int32](repeating: -1, count: pad)
            segments += [Int32](repeating: 1, count: n + c.count) + [Int32](repeating: 0, count: pad)
            regions += [UInt8](repeating: Region.prefix.rawValue, count: n) + [UInt8](repeating: Region.causal.rawValue, count: c.count)
                + [UInt8](repeating: Region.pad.rawValue, count: pad)
        }
        return PackedBatch(batch: continuations.count, length: length, tokens: tokens, labels: labels, segments: segments, regions: regions)
    }

    public func continuationLosses(_ input: [TokenID], _ continuations: [[TokenID]]) -> [Double] {
        let b = ModelScorer.batch(input, continuations)
        let logits = model.logits(b), v = model.config.vocab
        return (0..<b.batch).map { r in
            var sum = 0.0
            for t in 0..<b.length {
                let label = b.labels[r * b.length + t]
                guard label >= 0 else { continue }
                sum += ModelScorer.negativeLogLikelihood(logits, row: r * b.length + t, vocab: v, label: Int(label))
            }
            return sum
        }
    }

    /// -log softmax(logits[row])[label], in Double.
    static func negativeLogLikelihood(_ logits: [Float], row: Int, vocab v: Int, label: Int) -> Double {
        let base = row * v
        var mx = -Float.infinity
        for j in 0..<v { mx = max(mx, logits[base + j]) }
        var sum = 0.0
        for j in 0..<v { sum += Foundation.exp(Double(logits[base + j] - mx)) }
        return Foundation.log(sum) - Double(logits[base + label] - mx)
    }

    public func predictions(_ input: [TokenID], target: [TokenID]) -> [TokenID] {
        let b = ModelScorer.batch(input, [target])
        let logits = model.logits(b), v = model.config.vocab
        return logits.withUnsafeBufferPointer { l in
            (0..<target.count).map { k in
                TokenID(argmax(UnsafeBufferPointer(rebasing: l[((input.count + k) * v)..<((input.count + k + 1) * v)])))
            }
        }
    }
}
