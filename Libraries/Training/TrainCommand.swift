import Controller
import Distributed
import Foundation
import Kernels
import Models
import Objectives
import ToolSupport

/// What `train` runs, as a library call (the tool only parses flags into it): the data source, the
/// model (new, or resumed from a checkpoint), the Trainer, the Birdie controller when the procedure
/// uses one, and the reports on stderr. The fields are the tool's flags (see `train --help`).
public struct TrainCommand {
    public enum Form: String, CaseIterable, Sendable { case causal, bidirectional }
    public enum Procedure: String, CaseIterable, Sendable {
        case clm, ul2, bfr, birdie, birdieCausal = "birdie-causal"
        /// The procedures the Birdie controller steers.
        public var usesController: Bool { self == .birdie || self == .birdieCausal }
    }
    public enum SyntheticTask: String, CaseIterable, Sendable {
        case copying
        case randomTokens = "random-tokens"
    }

    /// The settings of the Birdie procedures (`--procedure birdie|birdie-causal`, and `grid` for bfr).
    public struct Birdie: Sendable {
        public var grid: String?
        public var evalCorpus: String?
        public var validationRows = 2
        public var controllerLog: String?
        public var criticWidth = 256, criticLayers = 4, criticTrainingSteps = 200, candidates = 2048
        public var candidatePower = 1.0
        public init() {}

        /// The controller's settings; `critic` with the same critic flags, --total-steps and --seed makes the same decisions.
        public func settings(seed: UInt64, totalSteps: Int) -> ControllerSettings {
            var s = ControllerSettings(seed: seed, totalSteps: totalSteps)
            s.width = criticWidth
            s.layers = criticLayers
            s.training.steps = criticTrainingSteps
            s.sampler.candidates = candidates
            s.sampler.power = candidatePower
            return s
        }
    }

    public var model: ModelKind = .gatedSSMPlus
    public var preset = "small"
    public var form: Form?
    public var dModel: Int?, layers: Int?, state: Int?, mlpHidden: Int?, heads: Int?
    public var mlp: MLPKind?
    public var vocab: Int?
    public var data: String?, corpus: String?
    public var procedure: Procedure?
    public var birdie = Birdie()
    public var task: SyntheticTask?
    public var steps = 1000, batch = 8
    public var length: Int?
    public var lr: Float = 1e-3
    public var warmup: Int?
    public var weightDecay: Float = 0.1, clip: Float = 1.0
    public var threads = 2
    public var evalEvery = 100, evalBatches = 4, checkpointEvery = 0
    public var output: String?, metrics: String?, resume: String?
    public var stopAfter: Int?
    public var profile = false, printConfig = false, initOnly = false
    public var precision: PrecisionChoice = .auto
    public var seed: UInt64 = 1
    public var quiet = false
    public var progress: ProgressMode = .auto

    public init() {}

    func modelConfig(vocab dataVocab: Int) throws -> ModelConfig {
        let bidirectional = (form ?? (procedure == .clm || procedure == .birdieCausal ? .causal : .bidirectional)) == .bidirectional
        let base = ModelConfig.preset(preset, kind: model, vocab: vocab ?? dataVocab, bidirectional: bidirectional)!
        var c = ModelConfig.sized(kind: model, vocab: vocab ?? dataVocab, dModel: dModel ?? base.dModel,
                                  layers: layers ?? base.layers, bidirectional: bidirectional)
        if let state { c.state = state }
        if let mlp { c.mlp = mlp }
        if let mlpHidden { c.mlpHidden = mlpHidden }
        if let heads { c.heads = heads }
        if let problem = c.validationProblem() { throw ToolError.usage(problem) }
        return c
    }

    /// The whole run: data, model (new or resumed), training, checkpoints, reports. Under a launcher
    /// with N > 1 processes (docs/CLUSTER.md), every rank runs this; rank 0 alone reports and writes.
    public func run() throws {
        // First: it may re-execute the process, which must happen before MPI starts.
        EngineOps.setLibraryEnvironment()
        var me = self
        if !Ranks.world.isRoot { me.quiet = true; me.progress = .never }
        try DataParallel.checkBatch(batch)
        try me.runOnThisRank()
        Ranks.world.finish()
    }

    private func runOnThisRank() throws {
        EngineOps.setThreads(threads)
        EngineOps.setPrecision(precision)
        // Outputs first, so a run never fails only at its end. --resume PATH -o PATH continues in
        // place; the data are what must not be overwritten.
        let outputs = [output, output.map(Checkpoint.statePath), metrics, birdie.controllerLog]
        try OutputFile.checkAtStart(outputs: outputs, inputs: [data, corpus, birdie.evalCorpus, birdie.grid])
        if output == nil && !printConfig && !quiet {
            printError("train: warning: no -o, so the trained model will not be saved (give -o PATH to keep it)")
        }
        if !quiet && !printConfig { printError("train: \(precision.explanation)") }
        // Data first: it fixes the vocabulary.
        var source: BatchSource?
        var heldOut: [PackedBatch] = []
        var length = self.length ?? 512
        if let data {
            let s = try PackedFileSource(path: data)
            if let asked = self.length, asked != s.rowLength {
                throw ToolError.badInput(data, "rows are \(s.rowLength) tokens long, not --length \(asked)",
                                         fix: "drop --length or re-pack with --length \(asked)")
            }
            length = s.rowLength
            heldOut = s.heldOut(batches: evalBatches, batch: batch)
            source = s
        } else if let corpus, let procedure, procedure.usesController {
            let s = try birdieSource(corpus: corpus, length: length)
            heldOut = try s.heldOut(batches: evalBatches, batch: batch)
            source = s
        } else if let corpus, let procedure {
            let s = try CorpusSource(path: corpus, mixture: try fixedMixture(procedure), length: length, seed: seed)
            heldOut = try s.heldOut(batches: evalBatches, batch: batch)
            source = s
        } else if task == .copying {
            let s = CopyingTask(seed: seed)
            heldOut = s.heldOut(batches: evalBatches, batch: batch, length: length)
            source = s
        } else if task == .randomTokens {
            let s = RandomTokens(vocabulary: vocab ?? 512, seed: seed)
            heldOut = (0..<evalBatches).map { _ in RandomTokens(vocabulary: s.vocabularyNeeded, seed: ~seed).next(batch: batch, length: length) }
            source = s
        }
        let dataVocab = source?.vocabularyNeeded ?? vocab ?? 512

        var net: Model
        var saved: Checkpoint.Saved?
        if let resume {
            (net, saved) = try DataParallel.resume(resume, flags: runFlags, steps: steps, tool: "train")
        } else {
            let config = try modelConfig(vocab: dataVocab)
            try Limits.checkMemory(estimatedBytes: Self.estimatedBytes(config, batch: batch, length: length),
                                   flags: "--batch, --length, --d-model, --layers or --vocab")
            net = Model(config, seed: seed)
        }
        if printConfig { if Ranks.world.isRoot { try StandardStreams.printOutput(describe(net)) }; return }
        if initOnly {
            guard Ranks.world.isRoot else { return }
            let file = try OutputFile(output!)
            try file.write(Checkpoint.weightsData(net, step: 0))
            try file.commit()
            return
        }
        guard let source else { return }
        // Real data must match the model's vocabulary exactly; synthetic tasks only need to fit.
        let dataFile = data ?? corpus
        if dataFile != nil ? net.config.vocab != source.vocabularyNeeded : net.config.vocab < source.vocabularyNeeded {
            throw ToolError.badInput(dataFile ?? resume ?? "data", "the data has a vocabulary of \(source.vocabularyNeeded) tokens but the model has \(net.config.vocab)",
                                     fix: "train a model with --vocab \(source.vocabularyNeeded), or use data encoded with the model's tokenizer")
        }

        var options = TrainingOptions()
        options.steps = steps; options.batch = batch; options.length = length; options.learningRate = lr
        options.warmup = warmup; options.weightDecay = weightDecay; options.clip = clip
        options.evalEvery = evalEvery; options.checkpointEvery = checkpointEvery; options.runFlags = runFlags
        options.checkpointPath = output ?? resume; options.metricsPath = metrics; options.stopAfter = stopAfter
        let trainer = Trainer(model: net, options: options, source: source, evalBatches: heldOut, seed: seed)
        // Before the trainer seeks: the controller brings back the mixture changes the rows replay.
        let birdie = try (source as? MixtureCorpusSource).map {
            try birdieProcedure(source: $0, checkpoint: options.checkpointPath, resumeStep: saved?.state.step)
        }
        if let birdie { trainer.attachments = birdie.checkpointAttachments }
        if let saved { try trainer.resume(moments: saved.m, saved.v, state: saved.state) }

                if !quiet {
            printError("train: \(net.config.kind.rawValue) (\(net.config.bidirectional ? "bidirectional prefix" : "causal")), \(net.parameterCount) parameters, batch \(batch) x \(length), steps \(trainer.state.step + 1)...\(steps)")
        }
        let progress = Progress("train", total: Double(steps), unit: "steps", mode: progress)
        let startTokens = trainer.state.tokens
        if profile { StepProfile.start() }
        var last: StepReport?
        var lastEval: HeldOutScore?
        let firstStep = trainer.state.step + 1
        var birdieShareChecked = false
        try trainer.run { r in
            last = r
            if let e = r.eval { lastEval = e }
            progress.update(Double(r.step), extra: String(format: "loss %.4f%@, %.0f tokens/s", r.loss,
                                                          lastEval.map { String(format: ", eval %.4f", $0.loss) } ?? "", r.tokensPerSecond))
            try birdie?.afterStep(r.step, model: net)
            if let birdie, !birdieShareChecked {
                birdieShareChecked = warnIfEvaluationsDominate(birdie, stepsDone: r.step - firstStep + 1, elapsed: progress.elapsed)
            }
        }
        if let birdie { reportBirdie(birdie, elapsed: progress.elapsed) }
        if profile, let last {
            reportProfile(steps: last.step - firstStep + 1, tokens: last.tokens - startTokens, parameters: net.parameterCount)
        }
        if !quiet, let last {
            let tokens = Double(last.tokens - startTokens)
            progress.finish(String(format: "step %d, loss %.4f, eval loss %@, %.0f tokens/s", last.step, last.loss,
                                   lastEval?.summary ?? "n/a", tokens / max(progress.elapsed, 1e-9)))
        }
    }

    /// The flags that define the run, stored in its state: `--resume` refuses a command whose
    /// values differ, since it would silently train something else.
    var runFlags: [String: String] {
        var flags = ["model": model.rawValue, "preset": preset, "seed": String(seed), "steps": String(steps),
                     "batch": String(batch), "lr": String(lr), "weight-decay": String(weightDecay), "clip": String(clip)]
        let given: [(String, String?)] = [
            ("form", form?.rawValue), ("d-model", dModel.map(String.init)), ("layers", layers.map(String.init)),
            ("state", state.map(String.init)), ("mlp-hidden", mlpHidden.map(String.init)), ("heads", heads.map(String.init)),
            ("mlp", mlp?.rawValue), ("vocab", vocab.map(String.init)), ("data", data), ("corpus", corpus),
            ("procedure", procedure?.rawValue), ("task", task?.rawValue), ("length", length.map(String.init)),
            ("warmup", warmup.map(String.init)), ("grid", birdie.grid), ("eval-corpus", birdie.evalCorpus)]
        for case let (name, value?) in given { flags[name] = value }
        // What ran, not what was asked (auto differs by CPU); fp32 states carry no key.
        if precision.resolved != .fp32 { flags["precision"] = precision.resolved.rawValue }
        return DataParallel.flags(flags)
    }

    /// An upper estimate of a run's memory: parameters, gradients and AdamW moments, the logits of
    /// every position, and about 64 floats per channel per layer of saved activations (gated-ssm
    /// at the small preset: 2.6 GB estimated against a measured peak of 1.2 GB, docs/PERFORMANCE.md).
    public static func estimatedBytes(_ c: ModelConfig, batch: Int, length: Int) -> Double {
        let positions = Double(batch) * Double(length)
        let perPosition = Double(c.vocab) + 64 * Double(c.dModel) * Double(c.layers) + 64 * Double(max(c.state, c.mlpHidden))
        return 4 * (4 * Double(c.parameterCount) + positions * perPosition)
    }

    /// Shapes, per-tensor sizes and the total, for --print-config.
    func describe(_ m: Model) -> String {
        var lines = ["config\t\(m.config.json())"]
        for t in m.layout.tensors {
            lines.append("\(t.name)\t[\(t.shape.map(String.init).joined(separator: ", "))]\t\(t.count)\t\(t.decay ? "decay" : "no-decay")")
        }
        lines.append("parameters\t\(m.parameterCount)")
        return lines.joined(separator: "\n")
    }
}
