import ArgumentParser
import Distributed
import Foundation
import Kernels
import Models
import Tasks
import ToolSupport
import Training

extension PrecisionChoice: ExpressibleByArgument {}

struct Finetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Continue training a checkpoint on prompt/target pairs (phone books from phonebook-gen, or any JSONL with prompt and target).",
        discussion: """
        Each pair becomes one sample, [PLM] prompt in the prefix region and " " target EOS in the \
        causal region after START (the format `score` decodes with), packed into rows of \
        --length like training rows; pairs longer than a row are skipped and counted. Passes over the \
        pairs are shuffled with --seed; every 50th pair (with 50 or more) is held out for the \
        evaluation loss. The optimizer starts fresh (AdamW, warmup then cosine to 10% of --lr). \
        Checkpoints, PATH.state and the metrics TSV are as in `train`; --resume CHECKPOINT takes the \
        place of --from (give the other flags of the original run again).

        Example: finetune --from m.ckpt -m tok.model books.jsonl --length 512 --steps 250 -o ft.ckpt
        """)

    @Option(help: "Checkpoint to start from (from train or finetune).") var from: String?
    @Option(name: [.customShort("m"), .long], help: "Tokenizer model the checkpoint was trained with.") var tokenizer: String
    @Argument(help: "Prompt/target JSONL; - or nothing for stdin.") var input = "-"

    @Option(help: "Optimizer steps in the whole run.") var steps = 250
    @Option(help: "Rows per step.") var batch = 8
    @Option(help: "Row length in tokens.") var length = 512
    @Option(help: "Peak learning rate (warmup, then cosine to 10%).") var lr: Float = 1e-4
    @Option(help: "Warmup steps (default min(100, steps/10)).") var warmup: Int?
    @Option(name: .customLong("weight-decay"), help: "AdamW decoupled weight decay.") var weightDecay: Float = 0.1
    @Option(help: "Global gradient-norm clip.") var clip: Float = 1.0
    @Option(help: "Worker threads (OpenBLAS and the kernels). The same seed and --threads give the same bytes; another thread count can differ in the last bits (docs/ARCHITECTURE.md).") var threads = 2
    @Option(name: .customLong("eval-every"), help: "Held-out evaluation every N steps (0: only at the end).") var evalEvery = 50
    @Option(name: .customLong("eval-batches"), help: "Held-out batches per evaluation.") var evalBatches = 2
    @Option(name: .customLong("checkpoint-every"), help: "Checkpoint every N steps (0: only at the end).") var checkpointEvery = 0
    @Option(name: .shortAndLong, help: "Checkpoint path (weights; optimizer state goes to PATH.state).") var output: String?
    @Option(help: "Metrics TSV path.") var metrics: String?
    @Flag(help: "Also keep the weights of every checkpoint as PATH.step-N, for learning curves (`score` each).")
    var snapshots = false
    @Option(help: "Continue the fine-tuning run saved in this checkpoint, instead of --from: the original run's flags again (tokenizer, input, --steps, --batch, --length, --lr, --warmup, --weight-decay, --clip, --seed, --precision), but not --from, whose weights the saved state replaces.") var resume: String?
    @Option(name: .customLong("stop-after"), help: ArgumentHelp("Stop after N steps of this process (tests).", visibility: .hidden))
    var stopAfter: Int?
    @Option(help: ArgumentHelp(PrecisionChoice.help)) var precision: PrecisionChoice = .auto
    @OptionGroup var common: CommonOptions

    func validate() throws {
        if (from == nil) == (resume == nil) { throw ValidationError("give exactly one of --from CHECKPOINT or --resume CHECKPOINT") }
        if output == nil && resume == nil { throw ValidationError("give the output checkpoint with -o") }
        if steps < 1 || batch < 1 || length < 8 || threads < 1 { throw ValidationError("--steps, --batch, --threads must be positive and --length at least 8") }
        try Limits.checkTrainingRun(batch: batch, length: length, steps: steps, threads: threads, lr: lr, clip: clip,
                                    weightDecay: weightDecay, warmup: warmup, evalEvery: evalEvery,
                                    evalBatches: evalBatches, checkpointEvery: checkpointEvery)
        try Limits.check(stopAfter, "--stop-after", limit: Limits.steps)
    }

    /// The flags that define the run (TrainingState.run), checked by `--resume`. The starting
    /// checkpoint is not among them: a resumed run reads its weights from the state.
    var runFlags: [String: String] {
        var flags = ["tokenizer": tokenizer, "input": input, "seed": String(common.seed), "steps": String(steps),
                     "batch": String(batch), "length": String(length), "lr": String(lr),
                     "weight-decay": String(weightDecay), "clip": String(clip)]
        if let warmup { flags["warmup"] = String(warmup) }
        // What ran, not what was asked (auto differs by CPU); fp32 states carry no key.
        if precision.resolved != .fp32 { flags["precision"] = precision.resolved.rawValue }
        return DataParallel.flags(flags)
    }

    /// Under a launcher with N > 1 processes every rank runs this; rank 0 alone reports and writes.
    func run() throws {
        // First: it may re-execute the process, which must happen before MPI starts.
        EngineOps.setLibraryEnvironment()
        var me = self
        if !Ranks.world.isRoot { me.common.quiet = true; me.common.progress = .never }
        try DataParallel.checkBatch(batch)
        try me.runOnThisRank()
        Ranks.world.finish()
    }

    private func runOnThisRank() throws {
        EngineOps.setThreads(threads)
        Parallel.workers = threads
        EngineOps.setPrecision(precision)
        if !common.quiet { printError("finetune: \(precision.explanation)") }
        let outputs = [output, output.map(Checkpoint.statePath), metrics]
        try OutputFile.checkAtStart(outputs: outputs, inputs: [from, tokenizer, input])
        let net: Model
        var saved: Checkpoint.Saved?
        if let resume {
            (net, saved) = try DataParallel.resume(resume, flags: runFlags, steps: steps, tool: "finetune")
        } else {
            net = try Checkpoint.loadModel(from!).model
        }
        let text = try TaskText(modelPath: tokenizer)
        try text.checkMatches(modelVocabulary: net.config.vocab, checkpoint: resume ?? from!, tokenizer: tokenizer)
        let pairs = try JSONLines.read(PromptTarget.self, path: input).map { (input: text.input($0.prompt), target: text.target($0.target)) }
        let source = try PairSource(pairs: pairs, vocabulary: text.vocabularySize, length: length, seed: common.seed,
                                    file: input == "-" ? "<stdin>" : input)

        var options = TrainingOptions()
        options.steps = steps; options.batch = batch; options.length = length; options.learningRate = lr
        options.warmup = warmup; options.weightDecay = weightDecay; options.clip = clip
        options.evalEvery = evalEvery; options.checkpointEvery = checkpointEvery; options.runFlags = runFlags
        options.checkpointPath = output ?? resume; options.metricsPath = metrics; options.keepSnapshots = snapshots; options.stopAfter = stopAfter
        let trainer = Trainer(model: net, options: options, source: source,
                              evalBatches: source.heldOut(batches: evalBatches, batch: batch), seed: common.seed)
        if let saved { try trainer.resume(moments: saved.m, saved.v, state: saved.state) }

        if !common.quiet {
            printError("finetune: \(net.config.kind.rawValue) (\(net.config.bidirectional ? "bidirectional prefix" : "causal")), \(pairs.count) pairs (\(source.tooLong) longer than a row, skipped), batch \(batch) x \(length), steps \(trainer.state.step + 1)...\(steps)")
        }
        if source.tooLong > 0 && !common.quiet {
            printError("finetune: warning: \(source.tooLong) of \(pairs.count) pairs are longer than a row of \(length) tokens and are skipped (a longer --length keeps them)")
        }
        let progress = ToolSupport.Progress("finetune", total: Double(steps), unit: "steps", mode: common.effectiveProgress)
        let startTokens = trainer.state.tokens
        var last: StepReport?
        var lastEval: HeldOutScore?
        try trainer.run { r in
            last = r
            if let e = r.eval { lastEval = e }
            progress.update(Double(r.step), extra: String(format: "loss %.4f%@", r.loss, lastEval.map { String(format: ", eval %.4f", $0.loss) } ?? ""))
        }
        if !common.quiet, let last {
            progress.finish(String(format: "step %d, loss %.4f, eval loss %@, %.0f tokens/s", last.step, last.loss,
                                   lastEval?.summary ?? "n/a",
                                   Double(last.tokens - startTokens) / max(progress.elapsed, 1e-9)))
        }
    }
}
