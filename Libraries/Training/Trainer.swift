import Distributed
import Foundation
import Kernels
import Models
import ToolSupport

public struct TrainerSettings: Sendable {
    public var steps = 1000
    public var batch = 8
    public var length = 512
    public var learningRate: Float = 1e-3
    /// The cosine ends at learningRate * minimumFraction.
    public var minimumFraction: Float = 0.1
    /// Warmup steps; nil means min(100, steps / 10).
    public var warmup: Int?
    public var weightDecay: Float = 0.1
    public var clip: Float = 1.0
    public var evalEvery = 0
    public var checkpointEvery = 0
    /// The flags that define the run, kept in the state for `--resume` to check (TrainingState.run).
    public var runFlags: [String: String]?
    /// Where checkpoints go (nil: none).
    public var checkpointPath: String?
    public var metricsPath: String?
    /// Also keep each checkpoint's weights as PATH.step-N (learning curves score them afterwards).
    public var keepSnapshots = false
    /// Stop (with a checkpoint) after this many steps of this process; the schedule still spans
    /// `steps` (used to test resuming a killed run).
    public var stopAfter: Int?
    public init() {}
    public var warmupSteps: Int { warmup ?? min(100, steps / 10) }
}

/// One line of the metrics file.
public struct StepReport: Sendable {
    public var step: Int, tokens: Int, loss: Double, eval: HeldOutScore?, learningRate: Float, gradNorm: Float, tokensPerSecond: Double
    public static let header = "step\ttokens\tloss\teval_loss\tlr\tgrad_norm\ttokens_per_s\teval_token_acc\teval_sample_acc"
    public var line: String {
        func value(_ x: Double?, _ format: String) -> String { x.map { String(format: format, $0) } ?? "nan" }
        return String(format: "%d\t%d\t%.6f\t%@\t%.6g\t%.6g\t%.1f\t%@\t%@", step, tokens, loss, value(eval?.loss, "%.6f"),
                      learningRate, gradNorm, tokensPerSecond, value(eval?.tokenAccuracy, "%.4f"), value(eval?.sampleAccuracy, "%.4f"))
    }
}

/// Held-out figures: mean loss per labelled token; the share of labelled tokens whose argmax is
/// the label; the share of samples whose every labelled token is right (what greedy decoding reproduces).
public struct HeldOutScore: Sendable {
    public var loss: Double, tokenAccuracy: Double, sampleAccuracy: Double
    /// For closing lines: "4.1234 (token accuracy 0.512, samples all right 0.100)".
    public var summary: String {
        String(format: "%.4f (token accuracy %.3f, samples all right %.3f)", loss, tokenAccuracy, sampleAccuracy)
    }
}

/// The training loop: AdamW over the flat parameter buffer, warmup + cosine, global-norm clipping,
/// periodic held-out evaluation, metrics TSV, checkpoints, exact resume.
public final class Trainer {
    public let model: Model
    public let options: TrainerSettings
    public private(set) var state: TrainingState
    let source: BatchSource
    let evalBatches: [PackedBatch]
    let m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>
    let decayMask: [Float]
    let optimizer: AdamW
    /// More state saved inside each checkpoint's PATH.state (e.g. the Birdie controller's).
    public var attachments: () throws -> [String: Data] = { [:] }
    /// The processes sharing each step (TrainerRanks.swift); rank 0 alone writes files.
    let ranks = Ranks.world

    public init(model: Model, options: TrainerSettings, source: BatchSource, evalBatches: [PackedBatch], seed: UInt64) {
        self.model = model; self.options = options; self.source = source; self.evalBatches = evalBatches
        let n = model.parameterCount
        m = .allocate(capacity: n); m.initialize(repeating: 0, count: n)
        v = .allocate(capacity: n); v.initialize(repeating: 0, count: n)
        decayMask = model.layout.decayMask()
        optimizer = AdamW(weightDecay: options.weightDecay)
        state = TrainingState(step: 0, tokens: 0, dataPosition: 0, rng: seed, run: options.runFlags)
    }

    deinit { m.deallocate(); v.deallocate() }

    /// Continues from saved optimizer state (the model holds the saved parameters).
    public func resume(moments mm: [Float], _ vv: [Float], state s: TrainingState) throws {
        precondition(mm.count == model.parameterCount && vv.count == model.parameterCount)
        m.update(from: mm, count: mm.count)
        v.update(from: vv, count: vv.count)
        state = s
        try source.seek(s.dataPosition)
    }

    /// Loss and accuracy over the held-out batches (split over the ranks, added in batch order).
    public func evaluate() -> HeldOutScore {
        var sum = 0.0, count = 0, correct = 0, samples = 0, samplesCorrect = 0
        for r in heldOutFigures() {
            sum += r.sum; count += r.count; correct += r.correct; samples += r.samples; samplesCorrect += r.samplesCorrect
        }
        func share(_ a: Int, _ b: Int) -> Double { b > 0 ? Double(a) / Double(b) : .nan }
        return HeldOutScore(loss: count > 0 ? sum / Double(count) : .nan,
                            tokenAccuracy: share(correct, count), sampleAccuracy: share(samplesCorrect, samples))
    }

    public func saveCheckpoint() throws {
        guard let path = options.checkpointPath, ranks.isRoot else { return }
        state.dataPosition = source.position
        try Checkpoint.save(model, moments: m, v, state: state, attachments: try attachments(), to: path)
        if options.keepSnapshots {
            let snapshot = try OutputFile(Checkpoint.snapshotPath(path, step: state.step))
            try snapshot.write(Checkpoint.weightsData(model, step: state.step))
            try snapshot.commit()
        }
    }

    /// Runs until `options.steps` (or `stopAfter`); calls `report` after every step.
    public func run(report: (StepReport) throws -> Void = { _ in }) throws {
        let metrics = try MetricsFile(ranks.isRoot ? options.metricsPath : nil, keepingStepsUpTo: state.step)
        let n = model.parameterCount
        var stepsThisRun = 0
        while state.step < options.steps {
            let started = Date()
            let batch = try StepProfile.time(.data) { try source.next(batch: options.batch, length: options.length) }
            let (sum, count) = lossAndGradient(batch)   // summed over the ranks' shares
            let loss = count > 0 ? sum / Double(count) : 0
            guard loss.isFinite else {
                throw ToolError(.failure, "training diverged at step \(state.step + 1) (loss \(loss)); lower --lr")
            }
            state.step += 1
            let lr = LearningRate.warmupCosine(step: state.step, warmup: options.warmupSteps, total: options.steps,
                                               peak: options.learningRate, minimum: options.learningRate * options.minimumFraction)
            let norm = StepProfile.time(.optimizer) {
                let norm = GradientClipping.clip(model.gradients, count: n, maxNorm: options.clip)
                decayMask.withUnsafeBufferPointer {
                    optimizer.update(params: model.parameters, grads: model.gradients, m: m, v: v, decayMask: $0.baseAddress!,
                                     count: n, learningRate: lr, step: state.step)
                }
                return norm
            }
            let tokens = batch.segments.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            state.tokens += tokens
            let seconds = Date().timeIntervalSince(started)
            var eval: HeldOutScore?
            if !evalBatches.isEmpty && ((options.evalEvery > 0 && state.step % options.evalEvery == 0) || state.step == options.steps) {
                eval = StepProfile.time(.evaluation) { evaluate() }
            }
            let r = StepReport(step: state.step, tokens: state.tokens, loss: loss, eval: eval, learningRate: lr,
                               gradNorm: norm, tokensPerSecond: Double(tokens) / max(seconds, 1e-9))
            try metrics.append(r)
            try StepProfile.time(.afterStep) { try report(r) }
            stepsThisRun += 1
            let stopping = state.step == options.steps || stepsThisRun == options.stopAfter
            if stopping || (options.checkpointEvery > 0 && state.step % options.checkpointEvery == 0) {
                try StepProfile.time(.checkpoint) { try saveCheckpoint() }
            }
            if stopping { break }
        }
    }
}

/// The metrics TSV: header, one line per step, written as it goes. On resume, lines after the
/// checkpoint's step (written by the killed run) are dropped.
final class MetricsFile {
    let log: AppendLog?

    init(_ path: String?, keepingStepsUpTo step: Int) throws {
        guard let path else { log = nil; return }
        var kept = StepReport.header + "\n"
        if step > 0, let old = AppendLog.existingLines(path) {
            for line in old.dropFirst() {
                if let s = Int(line.prefix { $0 != "\t" }), s <= step { kept += line + "\n" }
            }
        }
        log = try AppendLog(path, startingWith: kept)
    }

    func append(_ r: StepReport) throws { try log?.append(r.line) }
}
