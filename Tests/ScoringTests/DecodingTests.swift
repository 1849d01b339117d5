import Models
import Testing
import Vocabulary
@testable import Scoring

let allForms: [(ModelKind, Bool)] = ModelKind.allCases.flatMap { [($0, false), ($0, true)] }

func tinyModel(_ kind: ModelKind, bidirectional: Bool, vocab: Int = 200, seed: UInt64 = 3) -> Model {
    Model(ModelConfig.preset("tiny", kind: kind, vocab: vocab, bidirectional: bidirectional)!, seed: seed)
}

/// The rows `input START generated` as one sample: prefix region, then causal.
func fullBatch(_ input: [TokenID], _ generated: [TokenID]) -> PackedBatch {
    let n = input.count + 1 + generated.count
    return PackedBatch(batch: 1, length: n, tokens: input + [SpecialToken.start.rawValue] + generated,
                       labels: .init(repeating: -1, count: n), segments: .init(repeating: 1, count: n),
                       regions: .init(repeating: Region.prefix.rawValue, count: input.count)
                           + .init(repeating: Region.causal.rawValue, count: generated.count + 1))
}

/// The engine's DecodingTests compare the Decoder's logits with a full forward; these check what
/// scoring builds on it: the greedy token sequence, the losses and the teacher-forced predictions.
@Suite struct ScorerModelTests {
    /// Greedy decoding with the state carried forward gives the tokens a naive greedy loop gives,
    /// where each next token is the argmax of a full forward over the prompt and everything so far.
    @Test(arguments: allForms)
    func greedyEqualsArgmaxOfFullForward(_ kind: ModelKind, _ bidirectional: Bool) {
        let model = tinyModel(kind, bidirectional: bidirectional)
        let v = model.config.vocab
        let input: [TokenID] = [4, 170, 181, 199, 170, 163, 190, 175, 166]
        let generated = ModelScorer(model).generate(input, maxNewTokens: 12)
        var naive: [TokenID] = []
        while naive.count < 12 {
            let logits = model.logits(fullBatch(input, naive))
            let t = input.count + naive.count
            naive.append(TokenID(argmax(Array(logits[(t * v)..<((t + 1) * v)]))))
            if naive.last == SpecialToken.eos.rawValue { break }
        }
        #expect(generated == naive, "\(kind) \(bidirectional)")
        #expect(generated.count == 12 || generated.last == SpecialToken.eos.rawValue)
    }

    /// Losses of continuations padded into one batch equal each continuation's loss alone.
    @Test(arguments: allForms)
    func continuationLossesMatchTheModelLoss(_ kind: ModelKind, _ bidirectional: Bool) {
        let model = tinyModel(kind, bidirectional: bidirectional)
        let input: [TokenID] = [4, 170, 181, 199, 170]
        let choices: [[TokenID]] = [[171, 172, 173], [190], [160, 161, 162, 163, 164]]
        let losses = ModelScorer(model).continuationLosses(input, choices)
        for (c, loss) in zip(choices, losses) {
            let alone = model.loss(ModelScorer.batch(input, [c]))
            #expect(alone.count == c.count)
            #expect(abs(alone.sum - loss) < 1e-3 * max(1, abs(loss)), "\(kind) \(bidirectional): \(alone.sum) vs \(loss)")
        }
    }

    /// Teacher-forced predictions of the model's own greedy output are that output.
    @Test(arguments: [(ModelKind.hawk, true), (.transformer, false)])
    func predictionsOfGreedyOutputAreThatOutput(_ kind: ModelKind, _ bidirectional: Bool) {
        let model = tinyModel(kind, bidirectional: bidirectional)
        let scorer = ModelScorer(model)
        let input: [TokenID] = [8, 200 - 30, 181, 163]
        let generated = scorer.generate(input, maxNewTokens: 6)
        #expect(scorer.predictions(input, target: generated) == generated)
    }

    /// One forward gives both: the per-token losses add up to the continuation's loss, and the
    /// argmaxes are `predictions`.
    @Test(arguments: [(ModelKind.hawk, true), (.gatedSSM, false), (.transformer, false)])
    func teacherForcedAgreesWithLossesAndPredictions(_ kind: ModelKind, _ bidirectional: Bool) {
        let scorer = ModelScorer(tinyModel(kind, bidirectional: bidirectional))
        let input: [TokenID] = [4, 170, 181, 199, 170]
        let target: [TokenID] = [171, 172, 190, SpecialToken.eos.rawValue]
        let forced = scorer.teacherForced(input, target: target)
        #expect(forced.predictions == scorer.predictions(input, target: target))
        #expect(forced.losses.count == target.count && forced.losses.allSatisfy { $0 > 0 && $0.isFinite })
        let summed = scorer.continuationLosses(input, [target])[0]
        #expect(abs(forced.losses.reduce(0, +) - summed) < 1e-9 * summed, "\(kind) \(bidirectional)")
    }
}
