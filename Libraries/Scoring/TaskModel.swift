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
    /// Each target token's negative log-likelihood and the argmax prediction at its position, with
    /// the true target fed in: one forward pass gives both.
    func teacherForced(_ input: [TokenID], target: [TokenID]) -> TeacherForced
}

/// A target read with the true earlier tokens fed in: per target token, its negative log-likelihood
/// (nats) and the model's argmax at its position.
public struct TeacherForced: Equatable, Sendable {
    public var losses: [Double]
    public var predictions: [TokenID]

    public init(losses: [Double], predictions: [TokenID]) {
        self.losses = losses
        self.predictions = predictions
    }

    /// From one sample's logits (position-major, `vocab` per position), where position `first + k`
    /// predicts `target[k]`.
    public init(logits: [Float], vocab v: Int, first: Int, target: [TokenID]) {
        losses = target.indices.map { k in
            ModelScorer.negativeLogLikelihood(logits, row: first + k, vocab: v, label: Int(target[k]))
        }
        predictions = Self.argmaxes(logits, vocab: v, first: first, count: target.count)
    }

    /// The argmax of `count` rows of logits from row `first`.
    static func argmaxes(_ logits: [Float], vocab v: Int, first: Int, count: Int) -> [TokenID] {
        logits.withUnsafeBufferPointer { l in
            (first..<(first + count)).map { row in TokenID(argmax(UnsafeBufferPointer(rebasing: l[(row * v)..<((row + 1) * v)]))) }
        }
    }
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
        // Logits of the labelled positions only (the choices'), not of the whole prompt.
        let labelled = b.labels.indices.filter { b.labels[$0] >= 0 }
        let logits = model.logits(b, rows: labelled), v = model.config.vocab
        var sums = [Double](repeating: 0, count: b.batch)
        for (k, position) in labelled.enumerated() {
            sums[position / b.length] += ModelScorer.negativeLogLikelihood(logits, row: k, vocab: v, label: Int(b.labels[position]))
        }
        return sums
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

    /// Argmax only: no softmax over the vocabulary (objective scoring asks this of many long targets).
    public func predictions(_ input: [TokenID], target: [TokenID]) -> [TokenID] {
        let logits = model.logits(ModelScorer.batch(input, [target]), rows: Array(input.count..<(input.count + target.count)))
        return TeacherForced.argmaxes(logits, vocab: model.config.vocab, first: 0, count: target.count)
    }

    /// One forward over `input START target[0..m-1)`; position `input.count + k` predicts `target[k]`.
    public func teacherForced(_ input: [TokenID], target: [TokenID]) -> TeacherForced {
        let logits = model.logits(ModelScorer.batch(input, [target]), rows: Array(input.count..<(input.count + target.count)))
        return TeacherForced(logits: logits, vocab: model.config.vocab, first: 0, target: target)
    }
}
