import ArgumentParser
import Foundation
import Kernels
import Models
import Objectives
import ToolSupport
import Training

extension ModelKind: ExpressibleByArgument {}

enum Form: String, ExpressibleByArgument, CaseIterable { case causal, bidirectional }
enum Procedure: String, ExpressibleByArgument, CaseIterable { case clm, ul2, bfr, birdie, birdieCausal = "birdie-causal" }
enum SyntheticTask: String, ExpressibleByArgument, CaseIterable {
    case copying
    case randomTokens = "random-tokens"
}
extension MLPKind: ExpressibleByArgument {}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a gated-ssm, gated-ssm-plus, hawk or transformer language model on packed rows.",
        discussion: """
        Data (one of): --data rows.pack (static rows from `pack`); --corpus docs.tok --procedure \
        clm|ul2|bfr|birdie|birdie-causal (documents corrupted and packed online through the Objectives \
        and Packing libraries); --task copying (a synthetic task that needs the context) or \
        random-tokens (throughput).

        birdie and birdie-causal (causal-only model) let the Birdie controller choose the mixture over \
        --grid: at the steps of its schedule (scaled to --steps) it measures the loss of every \
        configuration on fixed held-out rows and picks the next mixture; --controller-log records each \
        evaluation (docs/CRITIC.md). bfr holds the pool's starting mixture fixed.

        Writes a safetensors checkpoint (-o PATH, loadable with safetensors/PyTorch) and PATH.state \
        (parameters, AdamW moments, step, data position), atomically, every --checkpoint-every steps \
        and at the end. --resume PATH continues a killed run exactly (give the same flags). Metrics \
        go to --metrics as TSV: step tokens loss eval_loss lr grad_norm tokens_per_s eval_token_acc \
        eval_sample_acc (accuracy of the argmax at labelled positions; a sample counts when all are right).

        Example: train --model hawk --preset small --data ul2.pack --steps 2000 -o hawk.ckpt
        """)

    @Option(help: "Architecture: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: ModelKind = .gatedSSMPlus
    @Option(help: "Size preset: \(ModelConfig.presets.map(\.name).joined(separator: ", ")).")
    var preset = "small"
    @Option(help: "causal, or bidirectional (bidirectional prefix; default except for --procedure clm and birdie-causal).")
    var form: Form?
    @Option(name: .customLong("d-model"), help: "Override the preset's model width.") var dModel: Int?
    @Option(help: "Override the preset's layer count.") var layers: Int?
    @Option(help: "Override the recurrent state width.") var state: Int?
    @Option(name: .customLong("mlp-hidden"), help: "Override the MLP hidden width.") var mlpHidden: Int?
    @Option(help: "Override the attention head count.") var heads: Int?
    @Option(help: "Override the MLP kind: none, swiglu, geglu, gelu.") var mlp: MLPKind?
    @Option(help: "Vocabulary size (default: the data's).") var vocab: Int?

    @Option(help: "Packed rows (from `pack`) to train on as they are.") var data: String?
    @Option(help: "Token-document corpus (from `tokenize encode`) to corrupt and pack online.") var corpus: String?
    @Option(help: "Objective mixture for --corpus: clm, ul2, bfr (fixed), birdie, birdie-causal (the controller's).") var procedure: Procedure?
    @OptionGroup(title: "Birdie procedures") var birdieOptions: BirdieOptions
    @Option(help: "Synthetic task instead of a corpus: copying (needs the context), random-tokens (throughput).")
    var task: SyntheticTask?

    @Option(help: "Optimizer steps in the whole run.") var steps = 1000
    @Option(help: "Rows per step.") var batch = 8
    @Option(help: "Row length in tokens (default: the packed file's, else 512).") var length: Int?
    @Option(help: "Peak learning rate (warmup, then cosine to 10%).") var lr: Float = 1e-3
    @Option(help: "Warmup steps (default min(100, steps/10)).") var warmup: Int?
    @Option(name: .customLong("weight-decay"), help: "AdamW decoupled weight decay.") var weightDecay: Float = 0.1
    @Option(help: "Global gradient-norm clip.") var clip: Float = 1.0
    @Option(help: "Worker threads (OpenBLAS and the kernels). The same seed and --threads give the same bytes; another thread count can differ in the last bits (docs/ARCHITECTURE.md).") var threads = 2
    @Option(name: .customLong("eval-every"), help: "Held-out evaluation every N steps (0: only at the end).") var evalEvery = 100
    @Option(name: .customLong("eval-batches"), help: "Held-out batches per evaluation (0: no evaluation, whatever --eval-every says).") var evalBatches = 4
    @Option(name: .customLong("checkpoint-every"), help: "Checkpoint every N steps (0: only at the end).") var checkpointEvery = 0
    @Option(name: .shortAndLong, help: "Checkpoint path (weights; optimizer state goes to PATH.state).") var output: String?
    @Option(help: "Metrics TSV path.") var metrics: String?
    @Option(help: "Continue the run saved in this checkpoint (same flags as the original run).") var resume: String?
    @Option(name: .customLong("stop-after"), help: ArgumentHelp("Stop after N steps of this process (tests).", visibility: .hidden))
    var stopAfter: Int?
    @Flag(help: "Time each part of the step (data, matrix products, attention, other kernels, loss, optimizer, evaluation, controller) and measure sgemm at the model's shapes; print both at the end (docs/PERFORMANCE.md).")
    var profile = false
    @Flag(name: .customLong("print-config"), help: "Print the exact shapes and parameter count, then exit.") var printConfig = false
    @Flag(name: .customLong("init-only"), help: "Write the freshly initialised model to -o (weights only) and exit: the start of a from-scratch `finetune` (needs --vocab).")
    var initOnly = false
    @OptionGroup var common: CommonOptions

    func validate() throws {
        if ModelConfig.presets.first(where: { $0.name == preset }) == nil {
            throw ValidationError("unknown preset \(preset); choose one of \(ModelConfig.presets.map(\.name).joined(separator: ", "))")
        }
        if initOnly && (output == nil || vocab == nil || resume != nil) { throw ValidationError("--init-only needs -o and --vocab (and no --resume)") }
        if !printConfig && !initOnly && [data, corpus, task?.rawValue].compactMap({ $0 }).count != 1 {
            throw ValidationError("give exactly one of --data, --corpus or --task")
        }
        if corpus != nil && procedure == nil { throw ValidationError("--corpus needs --procedure clm|ul2|bfr|birdie|birdie-causal") }
        if birdieOptions.grid != nil && !(procedure == .bfr || procedure?.usesController == true) { throw ValidationError("--grid goes with --procedure bfr, birdie or birdie-causal") }
        if steps < 1 || batch < 1 || (length ?? 8) < 8 || threads < 1 { throw ValidationError("--steps, --batch, --threads must be positive and --length at least 8") }
        try Limits.checkTrainingRun(batch: batch, length: length, steps: steps, threads: threads, lr: lr, clip: clip,
                                    weightDecay: weightDecay, warmup: warmup, evalEvery: evalEvery,
                                    evalBatches: evalBatches, checkpointEvery: checkpointEvery)
        for (value, flag) in [(dModel, "--d-model"), (state, "--state"), (mlpHidden, "--mlp-hidden"), (heads, "--heads")] {
            try Limits.check(value, flag, limit: Limits.width)
        }
        try Limits.check(layers, "--layers", limit: Limits.layers)
        try Limits.check(vocab, "--vocab", limit: Limits.vocabulary)
    }

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

    func run() throws {
        EngineOps.preferAVX512BLAS()
        EngineOps.setThreads(threads)
        // Outputs first, so a run never fails only at its end.
        for path in [output, metrics, birdieOptions.controllerLog].compactMap({ $0 }) { try OutputFile.prepare(path) }
        // --resume PATH -o PATH continues in place; the data are what must not be overwritten.
        try OutputFile.refuseOverwriting(inputs: [data, corpus, birdieOptions.evalCorpus], outputs: [output, metrics, birdieOptions.controllerLog])
        if output == nil && !printConfig && !common.quiet {
            printError("train: warning: no -o, so the trained model will not be saved (give -o PATH to keep it)")
        }
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
            let s = try CorpusSource(path: corpus, mixture: try fixedMixture(procedure), length: length, seed: common.seed)
            heldOut = try s.heldOut(batches: evalBatches, batch: batch)
            source = s
        } else if task == .copying {
            let s = CopyingTask(seed: common.seed)
            heldOut = s.heldOut(batches: evalBatches, batch: batch, length: length)
            source = s
        } else if task == .randomTokens {
            let s = RandomTokens(vocabulary: vocab ?? 512, seed: common.seed)
            heldOut = (0..<evalBatches).map { _ in RandomTokens(vocabulary: s.vocabularyNeeded, seed: ~common.seed).next(batch: batch, length: length) }
            source = s
        }
        let dataVocab = source?.vocabularyNeeded ?? vocab ?? 512

        var net: Model
        var saved: (m: [Float], v: [Float], state: TrainingState)?
        if let resume {
            let loaded = try Checkpoint.loadResume(resume)
            try loaded.state.checkResume(flags: runFlags, steps: steps, path: resume)
            net = loaded.model
            saved = (loaded.m, loaded.v, loaded.state)
        } else {
            let config = try modelConfig(vocab: dataVocab)
            try Limits.checkMemory(estimatedBytes: Self.estimatedBytes(config, batch: batch, length: length),
                                   flags: "--batch, --length, --d-model, --layers or --vocab")
            net = Model(config, seed: common.seed)
        }
        if printConfig { print(describe(net)); return }
        if initOnly {
            let file = try OutputFile(output!)
            file.write(Checkpoint.weightsData(net, step: 0))
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
        let trainer = Trainer(model: net, options: options, source: source, evalBatches: heldOut, seed: common.seed)
        // Before the trainer seeks: the controller brings back the mixture changes the rows replay.
        let birdie = try (source as? MixtureCorpusSource).map {
            try birdieProcedure(source: $0, checkpoint: options.checkpointPath, resumeStep: saved?.state.step)
        }
        if let birdie { trainer.attachments = birdie.checkpointAttachments }
        if let saved { try trainer.resume(moments: saved.m, saved.v, state: saved.state) }

        let quiet = common.quiet
        if !quiet {
            printError("train: \(net.config.kind.rawValue) (\(net.config.bidirectional ? "bidirectional prefix" : "causal")), \(net.parameterCount) parameters, batch \(batch) x \(length), steps \(trainer.state.step + 1)...\(steps)")
        }
        let progress = Progress("train", total: Double(steps), unit: "steps", mode: common.effectiveProgress)
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
        var flags = ["model": model.rawValue, "preset": preset, "seed": String(common.seed), "steps": String(steps),
                     "batch": String(batch), "lr": String(lr), "weight-decay": String(weightDecay), "clip": String(clip)]
        let given: [(String, String?)] = [
            ("form", form?.rawValue), ("d-model", dModel.map(String.init)), ("layers", layers.map(String.init)),
            ("state", state.map(String.init)), ("mlp-hidden", mlpHidden.map(String.init)), ("heads", heads.map(String.init)),
            ("mlp", mlp?.rawValue), ("vocab", vocab.map(String.init)), ("data", data), ("corpus", corpus),
            ("procedure", procedure?.rawValue), ("task", task?.rawValue), ("length", length.map(String.init)),
            ("warmup", warmup.map(String.init)), ("grid", birdieOptions.grid), ("eval-corpus", birdieOptions.evalCorpus)]
        for case let (name, value?) in given { flags[name] = value }
        return flags
    }

    /// An upper estimate of a run's memory: parameters, gradients and AdamW moments, the logits of
    /// every position, and about 64 floats per channel per layer of saved activations (gated-ssm
    /// at the small preset: 2.6 GB estimated against a measured peak of 1.2 GB, docs/PERFORMANCE.md).
    static func estimatedBytes(_ c: ModelConfig, batch: Int, length: Int) -> Double {
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
