import Foundation
import Kernels

/// The stack of residual branches of a configuration, and where each tensor lives.
struct ModelPlan {
    var embedding = 0
    var norms: [Int] = []
    /// Steppable, not just Sublayer: a mixer without one-token decoding does not compile here.
    var sublayers: [any Steppable] = []
    var finalNorm = 0

    mutating func build(_ c: ModelConfig, layout l: inout ParameterLayout) {
        let d = c.dModel
        embedding = l.add("embedding.weight", [c.vocab, d], decay: true, .normal(std: 1 / Float(d).squareRoot()))
        for i in 0..<c.layers {
            let name = "layers.\(i)"
            // Alternate: layers 0, 2, ... read the prefix in both directions.
            let bidirectional = c.bidirectional && i % 2 == 0
            norms.append(l.add("\(name).mixer_norm.weight", [d], decay: false, .constant(1)))
            switch c.kind {
            case .gatedSSM:
                sublayers.append(GatedSSMLayer("\(name).mixer", d: d, s: c.state, bidirectional: bidirectional, layers: c.layers, &l))
            case .gatedSSMPlus:
                sublayers.append(GatedSSMPlusLayer("\(name).mixer", d: d, s: c.state, bidirectional: bidirectional, layers: c.layers, &l))
            case .hawk:
                sublayers.append(HawkLayer("\(name).mixer", d: d, h: c.state, bidirectional: bidirectional, layers: c.layers, &l))
            case .transformer:
                sublayers.append(AttentionLayer("\(name).mixer", d: d, heads: c.heads, prefixLM: c.bidirectional, layers: c.layers, &l))
            }
            if c.mlp != .none {
                norms.append(l.add("\(name).mlp_norm.weight", [d], decay: false, .constant(1)))
                sublayers.append(MLPLayer("\(name).mlp", d: d, m: c.mlpHidden, kind: c.mlp, layers: c.layers, &l))
            }
        }
        finalNorm = l.add("final_norm.weight", [d], decay: false, .constant(1))
    }
}

/// A model with its parameters and gradients in one flat buffer each (the output projection is
/// tied to the embedding). Activations are kept per (batch, length) shape and reused.
public final class Model {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let parameters: FloatPtr
    public let gradients: FloatPtr
    public var parameterCount: Int { layout.count }
    private var plan = ModelPlan()
    private var context: RowContext?
    private var tokens: [Int32] = []
    private let stream = Buffer(), normed = Buffer(), rstd = Buffer(), branch = Buffer()
    private let finalNormed = Buffer(), finalRstd = Buffer(), logitBuffer = Buffer(), dStream = Buffer(), dNormed = Buffer()

    public init(_ config: ModelConfig, seed: UInt64) {
        self.config = config
        var l = ParameterLayout()
        plan.build(config, layout: &l)
        layout = l
        parameters = .allocate(capacity: l.count)
        gradients = .allocate(capacity: l.count)
        gradients.initialize(repeating: 0, count: l.count)
        l.initialize(parameters, seed: seed)
    }

    deinit { parameters.deallocate(); gradients.deallocate() }

    // For the decoder (Decoding.swift).
    var lastContext: RowContext? { context }
    var planSublayers: [any Steppable] { plan.sublayers }
    var normedInputs: FloatPtr { normed.p }
    var embeddingOffset: Int { plan.embedding }
    var normOffsets: [Int] { plan.norms }
    var finalNormOffset: Int { plan.finalNorm }

    /// Forward through the stack: fills the final normed stream (rows, d) and the logits (rows, vocab).
    private func forward(_ b: PackedBatch) {
        forwardStream(b)
        let n = b.batch * b.length
        Linear.forward(x: finalNormed.p, weight: parameters + plan.embedding, bias: nil, y: logitBuffer.ensure(n * config.vocab),
                       rows: n, inFeatures: config.dModel, outFeatures: config.vocab)
    }

    /// Forward through the stack up to the final normed stream (rows, d), without the logits.
    private func forwardStream(_ b: PackedBatch) {
        let ctx = RowContext(b)
        context = ctx
        tokens = b.tokens
        let n = ctx.rows, d = config.dModel, L = plan.sublayers.count, p = parameters
        let X = stream.ensure((L + 1) * n * d), XN = normed.ensure(L * n * d), R = rstd.ensure(L * n)
        let Y = branch.ensure(n * d)
        b.tokens.withUnsafeBufferPointer {
            Embedding.forward(tokens: $0.baseAddress!, table: p + plan.embedding, out: X, rows: n, channels: d)
        }
        for (i, sub) in plan.sublayers.enumerated() {
            let x = X + i * n * d, xn = XN + i * n * d, next = X + (i + 1) * n * d
            RMSNorm.forward(x: x, gain: p + plan.norms[i], y: xn, rstd: R + i * n, rows: n, channels: d)
            sub.forward(xn, Y, ctx, p)
            for j in 0..<(n * d) { next[j] = x[j] + Y[j] }
        }
        let F = finalNormed.ensure(n * d)
        RMSNorm.forward(x: X + L * n * d, gain: p + plan.finalNorm, y: F, rstd: finalRstd.ensure(n), rows: n, channels: d)
    }

    /// Summed cross-entropy over the labelled positions and their count (no gradients).
    public func loss(_ b: PackedBatch) -> (sum: Double, count: Int) {
        forward(b)
        return crossEntropyInPlace(b)
    }

    /// `loss` plus how many labelled positions the argmax predicts right, and how many of the
    /// batch's samples (row, segment) it predicts right at every labelled position; with teacher
    /// forcing, a sample all right is exactly a sample that greedy decoding would reproduce.
    public func lossAndAccuracy(_ b: PackedBatch) -> (sum: Double, count: Int, correct: Int, samples: Int, samplesCorrect: Int) {
        forward(b)
        var correct = 0
        // (row, segment) -> all labelled positions right so far.
        var sampleRight: [Int: Bool] = [:]
        let vocab = config.vocab
        for i in 0..<(b.batch * b.length) where b.labels[i] >= 0 {
            let row = logitBuffer.p + i * vocab
            var best = 0
            for j in 1..<vocab where row[j] > row[best] { best = j }
            let right = best == Int(b.labels[i])
            if right { correct += 1 }
            let key = (i / b.length) << 32 | Int(b.segments[i])
            sampleRight[key] = (sampleRight[key] ?? true) && right
        }
        let (sum, count) = crossEntropyInPlace(b)
        return (sum, count, correct, sampleRight.count, sampleRight.values.filter { $0 }.count)
    }

    /// Sets `gradients` to the gradient of the mean loss over the batch's labelled tokens.
    public func lossAndGradient(_ b: PackedBatch) -> (sum: Double, count: Int) {
        StepProfile.model {
            forward(b)
            let result = StepProfile.time(.loss) { crossEntropyInPlace(b) }
            backward()
            return result
        }
    }

    /// Loss over labelled positions (averaged over all labelled tokens of the batch); the logits
    /// become their gradient.
    private func crossEntropyInPlace(_ b: PackedBatch) -> (sum: Double, count: Int) {
        b.labels.withUnsafeBufferPointer {
            let rows = b.batch * b.length
            let count = CrossEntropy.labelledCount(labels: $0.baseAddress!, rows: rows)
            let r = CrossEntropy.forwardBackward(logits: logitBuffer.p, labels: $0.baseAddress!, dLogits: logitBuffer.p,
                                                 gradScale: 1 / Float(max(count, 1)), rows: rows, vocab: config.vocab)
            return (r.lossSum, r.count)
        }
    }

    private func backward() {
        guard let ctx = context else { return }
        let n = ctx.rows, d = config.dModel, L = plan.sublayers.count, p = parameters, g = gradients
        g.update(repeating: 0, count: layout.count)
        let X = stream.p, XN = normed.p, R = rstd.p
        let dX = dStream.ensure(n * d), dXN = dNormed.ensure(n * d), F = finalNormed.p
        // logits = F E^T: dF = dlogits E (into dXN), dE += dlogits^T F.
        dXN.update(repeating: 0, count: n * d)
        Linear.backward(x: F, weight: p + plan.embedding, dy: logitBuffer.p, dx: dXN, dWeight: g + plan.embedding, dBias: nil,
                        rows: n, inFeatures: d, outFeatures: config.vocab)
        dX.update(repeating: 0, count: n * d)
        RMSNorm.backward(x: X + L * n * d, gain: p + plan.finalNorm, rstd: finalRstd.p, dy: dXN, dx: dX,
                         dGain: g + plan.finalNorm, rows: n, channels: d)
        for i in stride(from: L - 1, through: 0, by: -1) {
            plan.sublayers[i].backward(dX, XN + i * n * d, dXN, ctx, p, g)
            RMSNorm.backward(x: X + i * n * d, gain: p + plan.norms[i], rstd: R + i * n, dy: dXN, dx: dX,
                             dGain: g + plan.norms[i], rows: n, channels: d)
        }
        tokens.withUnsafeBufferPointer {
            Embedding.backward(tokens: $0.baseAddress!, dout: dX, dTable: g + plan.embedding, rows: n, channels: d)
        }
    }

    /// Logits (batch * length, vocab) of a batch, row-major.
    public func logits(_ b: PackedBatch) -> [Float] {
        forward(b)
        return Array(UnsafeBufferPointer(start: logitBuffer.p, count: b.batch * b.length * config.vocab))
    }

    /// Logits (rows.count, vocab) of the listed positions only (row-major indices into the batch's
    /// batch * length positions), in the order given, with memory for the listed rows instead of
    /// every position: scoring reads the last position of a prompt, or a choice's positions.
    /// Up to `wholeProjectionFloats` logits, every position is projected as `logits(b)` does and the
    /// rows picked (so results stay bit for bit what they were); beyond, the listed rows are
    /// projected in zero-padded blocks of `logitBlock` rows, one product shape for any count.
    /// `wholeProjection`: the threshold (tests lower it to reach the block path).
    public func logits(_ b: PackedBatch, rows: [Int], wholeProjection: Int = Model.wholeProjectionFloats) -> [Float] {
        let d = config.dModel, v = config.vocab, n = b.batch * b.length
        precondition(rows.allSatisfy { $0 >= 0 && $0 < n }, "a row outside the batch")
        var out = [Float](repeating: 0, count: rows.count * v)
        if n * v <= wholeProjection {
            forward(b)
            out.withUnsafeMutableBufferPointer { o in
                for (k, row) in rows.enumerated() { (o.baseAddress! + k * v).update(from: logitBuffer.p + row * v, count: v) }
            }
            return out
        }
        forwardStream(b)
        let block = Model.logitBlock
        let gathered = FloatPtr.allocate(capacity: block * d), projected = FloatPtr.allocate(capacity: block * v)
        defer { gathered.deallocate(); projected.deallocate() }
        var start = 0
        while start < rows.count {
            let count = min(block, rows.count - start)
            gathered.update(repeating: 0, count: block * d)
            for (k, row) in rows[start..<(start + count)].enumerated() {
                (gathered + k * d).update(from: finalNormed.p + row * d, count: d)
            }
            Linear.forward(x: gathered, weight: parameters + plan.embedding, bias: nil, y: projected,
                           rows: block, inFeatures: d, outFeatures: v)
            out.withUnsafeMutableBufferPointer { o in
                (o.baseAddress! + start * v).update(from: projected, count: count * v)
            }
            start += count
        }
        return out
    }

    /// Bytes a forward pass keeps per position of a batch (the residual stream and every
    /// sublayer's activations, the row's tokens, labels and masks) and, for the transformer, its
    /// decoding cache: what `score` needs per prompt token once the logits are left out.
    public var bytesPerPosition: Int {
        let c = config, d = c.dModel, s = c.state, L = c.layers
        let mixer: Int
        switch c.kind {
        case .gatedSSM: mixer = 8 * s
        case .gatedSSMPlus: mixer = 8 * s + d
        case .hawk: mixer = 7 * s
        case .transformer: mixer = 4 * d + c.heads + 4 * d   // qkv, output, log-sum-exp; cached keys and values (twice the prompt)
        }
        let mlp = c.mlp == .none ? 0 : (c.mlp == .gelu ? 2 : 3) * c.mlpHidden
        let sublayers = L * (c.mlp == .none ? 1 : 2)
        let stream = (2 * sublayers + 4) * d + 2 * sublayers + 3   // stream, normed inputs, branch, final norm, rstd
        return 4 * (stream + L * (mixer + mlp)) + 32                   // and tokens, labels, segments, regions, scan masks
    }

    /// Positions projected at a time by `logits(_:rows:)` past `wholeProjectionFloats`.
    public static let logitBlock = 256
    /// Logits (positions times vocabulary) up to which `logits(_:rows:)` projects every position:
    /// 64 MB, more than any prompt the tasks' generators make at the vocabularies we train.
    public static let wholeProjectionFloats = 1 << 24

    /// The parameters as an array (checkpoints, tests).
    public func parameterArray() -> [Float] { Array(UnsafeBufferPointer(start: parameters, count: layout.count)) }

    public func setParameters(_ values: [Float]) {
        precondition(values.count == layout.count)
        parameters.update(from: values, count: values.count)
    }
}
