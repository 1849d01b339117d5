import ArgumentParser
import Distributed
import Foundation
import Kernels
import Models
import ToolSupport
import Training

extension ModelKind: ExpressibleByArgument {}

typealias Form = TrainCommand.Form
typealias Procedure = TrainCommand.Procedure
typealias SyntheticTask = TrainCommand.SyntheticTask
extension Form: ExpressibleByArgument {}
extension Procedure: ExpressibleByArgument {}
extension SyntheticTask: ExpressibleByArgument {}
extension MLPKind: ExpressibleByArgument {}
extension PrecisionChoice: ExpressibleByArgument {}

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
    @Option(help: ArgumentHelp(PrecisionChoice.help)) var precision: PrecisionChoice = .auto
    @Flag(name: .customLong("bench-allreduce"), help: ArgumentHelp("Time the gradient all-reduce of this launch's ranks by message size (run under mpirun), print a table, exit (docs/CLUSTER.md).", visibility: .hidden))
    var benchAllreduce = false
    @Option(name: .customLong("dump-gradients"), help: ArgumentHelp("Write the loss and every parameter's gradient of one step of --from CKPT on the first --batch rows of --data to this safetensors file, then exit (Pipelines/python/torch_reference.py).", visibility: .hidden))
    var dumpGradients: String?
    @Option(help: ArgumentHelp("The checkpoint --dump-gradients reads.", visibility: .hidden)) var from: String?
    @OptionGroup var common: CommonOptions

    func validate() throws {
        if benchAllreduce { return }
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
        try Limits.check(stopAfter, "--stop-after", limit: Limits.steps)
        for (value, flag) in [(dModel, "--d-model"), (state, "--state"), (mlpHidden, "--mlp-hidden"), (heads, "--heads")] {
            try Limits.check(value, flag, limit: Limits.width)
        }
        try Limits.check(layers, "--layers", limit: Limits.layers)
        try Limits.check(vocab, "--vocab", limit: Limits.vocabulary)
    }

    /// The run the flags ask for (Training's TrainCommand does it).
    func run() throws {
        if benchAllreduce { EngineOps.setLibraryEnvironment(); return benchmarkAllReduce() }
        if let dumpGradients { return try GradientDump.run(output: dumpGradients, checkpoint: from, rows: data, batch: batch, threads: threads, precision: precision, quiet: common.quiet) }
        var c = TrainCommand()
        c.model = model; c.preset = preset; c.form = form; c.dModel = dModel; c.layers = layers; c.state = state
        c.mlpHidden = mlpHidden; c.heads = heads; c.mlp = mlp; c.vocab = vocab; c.data = data; c.corpus = corpus
        c.procedure = procedure; c.birdie = birdieOptions.settings; c.task = task; c.steps = steps; c.batch = batch
        c.length = length; c.lr = lr; c.warmup = warmup; c.weightDecay = weightDecay; c.clip = clip; c.threads = threads
        c.evalEvery = evalEvery; c.evalBatches = evalBatches; c.checkpointEvery = checkpointEvery; c.output = output
        c.metrics = metrics; c.resume = resume; c.stopAfter = stopAfter; c.profile = profile; c.printConfig = printConfig
        c.initOnly = initOnly; c.precision = precision; c.seed = common.seed; c.quiet = common.quiet; c.progress = common.effectiveProgress
        try c.run()
    }
}

extension Train {
    /// bytes, then the median seconds of our ring (`Ranks.sum`) and of MPI_Allreduce, and the ring's
    /// bus bandwidth 2(N-1)/N * bytes / seconds, on rank 0's stdout.
    func benchmarkAllReduce() {
        let ranks = Ranks.world
        if ranks.isRoot { print("ranks\tbytes\tring_s\tmpi_allreduce_s\tring_bus_GB_per_s") }
        for bytes in [4 << 10, 64 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20, 256 << 20] {
            let t = ranks.timeAllReduce(floats: bytes / 4, repeats: bytes >= 64 << 20 ? 5 : 20)
            let bus = 2 * Double(ranks.count - 1) / Double(ranks.count) * Double(bytes) / t.ring / 1e9
            if ranks.isRoot { print(String(format: "%d\t%d\t%.6f\t%.6f\t%.2f", ranks.count, bytes, t.ring, t.mpi, bus)) }
        }
        ranks.finish()
    }
}
