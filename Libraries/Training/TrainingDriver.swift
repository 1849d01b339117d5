import Distributed
import Foundation
import Kernels
import Models
import ToolSupport

/// What a run trains, made by the tool's part (`Pretraining` for train, `Finetuning` for finetune):
/// the model (new, or the one `--resume` loaded), its rows and the Birdie controller if it has one.
public struct TrainingJob {
    public var model: Model
    public var source: BatchSource
    public var heldOut: [PackedBatch]
    public var length: Int
    /// The start line's details after the model, e.g. "12 pairs (0 longer than a row, skipped)".
    public var summary: String
    public var birdie: BirdieProcedure?
    public var keepSnapshots = false

    public init(model: Model, source: BatchSource, heldOut: [PackedBatch], length: Int, summary: String) {
        self.model = model; self.source = source; self.heldOut = heldOut; self.length = length; self.summary = summary
    }
}

/// The run loop `train` and `finetune` share: engine, ranks, output checks, resume, the Trainer,
/// progress and the closing line. Under a launcher with N > 1 processes (docs/CLUSTER.md) every rank
/// runs it; rank 0 alone reports and writes.
public struct TrainingDriver<Defaults: RunDefaults> {
    public var tool: String
    public var optimizer: OptimizerOptions<Defaults>
    public var outputs: RunOutputOptions<Defaults>
    public var engine: EngineOptions
    public var common: CommonOptions
    /// The run's flags beyond the optimizer's (model and data groups); seed and precision are added here.
    public var runFlags: [String: String]
    public var inputs: [String?]
    public var extraOutputs: [String?] = []
    /// Only prints or writes the model (`train --print-config`, `--init-only`): no start lines.
    public var noRun = false
    public var profile = false

    public init(tool: String, optimizer: OptimizerOptions<Defaults>, outputs: RunOutputOptions<Defaults>, engine: EngineOptions,
                common: CommonOptions, runFlags: [String: String], inputs: [String?]) {
        self.tool = tool; self.optimizer = optimizer; self.outputs = outputs; self.engine = engine; self.common = common
        self.runFlags = runFlags; self.inputs = inputs
    }

    /// The state of the run `--resume` continues.
    public typealias Resumed = (model: Model, saved: Checkpoint.Saved)

    /// `makeJob` gets the resumed run, if any, and returns nil when there is nothing to train.
    public func run(_ makeJob: (Resumed?) throws -> TrainingJob?) throws {
        // First: it may re-execute the process, which must happen before MPI starts.
        Engine.prepareProcess()
        try DataParallel.checkBatch(optimizer.batch)
        try runOnThisRank(makeJob)
        Ranks.world.finish()
    }

    /// Rank 0 alone reports (read after `run` has started the ranks).
    public var quiet: Bool { common.quiet || !Ranks.world.isRoot }

    /// Where checkpoints go: -o, or in place of the run `--resume` continues.
    public var checkpointPath: String? { outputs.output ?? outputs.resume }

    /// The flags kept in the state: what ran, so precision is the resolved one (auto differs by
    /// CPU; fp32 states carry no key).
    var allRunFlags: [String: String] {
        var flags = runFlags.merging(RunFlags.of(optimizer)) { a, _ in a }
        flags["seed"] = String(common.seed)
        if engine.precision.resolved != .fp32 { flags["precision"] = engine.precision.resolved.rawValue }
        return DataParallel.flags(flags)
    }

    private func runOnThisRank(_ makeJob: (Resumed?) throws -> TrainingJob?) throws {
        engine.configure()
        // Outputs first, so a run never fails only at its end. --resume PATH -o PATH continues in
        // place; the inputs are what must not be overwritten.
        try OutputFile.checkAtStart(outputs: [outputs.output, outputs.output.map(Checkpoint.statePath), outputs.metrics] + extraOutputs,
                                    inputs: inputs)
        if !quiet && !noRun {
            if checkpointPath == nil {
                printError("\(tool): warning: no -o, so the trained model will not be saved (give -o PATH to keep it)")
            }
            printError("\(tool): \(engine.precision.explanation)")
        }
        let resumed = try outputs.resume.map { try DataParallel.resume($0, flags: allRunFlags, steps: optimizer.steps, tool: tool) }
        guard let job = try makeJob(resumed) else { return }

        var settings = TrainerSettings()
        settings.steps = optimizer.steps; settings.batch = optimizer.batch; settings.length = job.length
        settings.learningRate = optimizer.lr; settings.warmup = optimizer.warmup; settings.weightDecay = optimizer.weightDecay
        settings.clip = optimizer.clip; settings.evalEvery = outputs.evalEvery; settings.checkpointEvery = outputs.checkpointEvery
        settings.runFlags = allRunFlags; settings.checkpointPath = checkpointPath; settings.metricsPath = outputs.metrics
        settings.keepSnapshots = job.keepSnapshots; settings.stopAfter = outputs.stopAfter
        let net = job.model
        let trainer = Trainer(model: net, options: settings, source: job.source, evalBatches: job.heldOut, seed: common.seed)
        if let birdie = job.birdie { trainer.attachments = birdie.checkpointAttachments }
        if let saved = resumed?.saved { try trainer.resume(moments: saved.m, saved.v, state: saved.state) }

        if !quiet {
            printError("\(tool): \(net.config.kind.rawValue) (\(net.config.bidirectional ? "bidirectional prefix" : "causal")), \(net.parameterCount) parameters, \(job.summary)batch \(optimizer.batch) x \(job.length), steps \(trainer.state.step + 1)...\(optimizer.steps)")
        }
        let progress = Progress(tool, total: Double(optimizer.steps), unit: "steps", mode: quiet ? .never : common.effectiveProgress)
        let startTokens = trainer.state.tokens, firstStep = trainer.state.step + 1
        if profile { StepProfile.start() }
        var last: StepReport?, lastEval: HeldOutScore?
        var birdieShareChecked = false
        try trainer.run { r in
            last = r
            if let e = r.eval { lastEval = e }
            progress.update(Double(r.step), extra: String(format: "loss %.4f%@, %.0f tokens/s", r.loss,
                                                          lastEval.map { String(format: ", eval %.4f", $0.loss) } ?? "", r.tokensPerSecond))
            guard let birdie = job.birdie else { return }
            try birdie.afterStep(r.step, model: net)
            if !birdieShareChecked {
                birdieShareChecked = birdie.warnIfEvaluationsDominate(steps: optimizer.steps, stepsDone: r.step - firstStep + 1,
                                                                      elapsed: progress.elapsed, quiet: quiet)
            }
        }
        guard let last else { return }
        if !quiet { job.birdie?.report(elapsed: progress.elapsed) }
        if profile { ProfileReport.report(steps: last.step - firstStep + 1, tokens: last.tokens - startTokens, parameters: net.parameterCount) }
        if !quiet { progress.finish(String(format: "step %d, loss %.4f, eval loss %@, %.0f tokens/s", last.step, last.loss, lastEval?.summary ?? "n/a",
                               Double(last.tokens - startTokens) / max(progress.elapsed, 1e-9))) }
    }
}
