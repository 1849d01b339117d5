import ArgumentParser
import ToolSupport
import Training

struct Train: ParsableCommand, HasExamples {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a language model (an architecture of --model) on packed rows, a corpus corrupted online, or a synthetic task.",
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
        """)
    static let examples = [
        "train --model hawk --preset small --data ul2.pack --steps 2000 -o hawk.ckpt",
        "train --model gated-ssm --preset tiny --corpus train.tok --procedure birdie --grid light --steps 500 -o birdie.ckpt --metrics birdie.tsv",
    ]

    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "Data") var data: PretrainingDataOptions
    @OptionGroup(title: "Birdie procedures") var birdie: BirdieOptions
    @OptionGroup(title: "Optimisation") var optimizer: OptimizerOptions<PretrainingDefaults>
    @OptionGroup(title: "Checkpoints and reports") var outputs: RunOutputOptions<PretrainingDefaults>
    @OptionGroup(title: "Engine") var engine: EngineOptions
    @Flag(help: "Time each part of the step (data, matrix products, attention, other kernels, loss, optimizer, evaluation, controller) and measure sgemm at the model's shapes; print both at the end (docs/PERFORMANCE.md).")
    var profile = false
    @Flag(help: "Print the exact shapes and parameter count, then exit.") var printConfig = false
    @Flag(help: "Write the freshly initialised model to -o (weights only) and exit: the start of a from-scratch `finetune` (needs --vocab-size).")
    var initOnly = false
    @Flag(help: ArgumentHelp("Time the gradient all-reduce of this launch's ranks by message size (run under mpirun), print a table, exit (docs/CLUSTER.md).", visibility: .hidden))
    var benchAllreduce = false
    @Option(help: ArgumentHelp("Write the loss and every parameter's gradient of one step of --checkpoint CKPT on the first --batch rows of --data to this safetensors file, then exit (Pipelines/python/torch_reference.py).", visibility: .hidden))
    var dumpGradients: String?
    @Option(help: ArgumentHelp("The checkpoint --dump-gradients reads.", visibility: .hidden)) var checkpoint: String?
    @OptionGroup var common: CommonOptions

    func validate() throws {
        if benchAllreduce || dumpGradients != nil { return }
        if initOnly && (outputs.output == nil || model.vocabSize == nil || outputs.resume != nil) {
            throw ValidationError("--init-only needs -o and --vocab-size (and no --resume)")
        }
        if !printConfig && !initOnly && data.sourceCount != 1 { throw ValidationError("give exactly one of --data, --corpus or --task") }
    }

    func run() throws {
        if benchAllreduce { return try DataParallel.benchmarkAllReduce() }
        if let dumpGradients {
            return try GradientDump.run(output: dumpGradients, checkpoint: checkpoint, rows: data.data, batch: optimizer.batch,
                                        engine: engine, quiet: common.quiet)
        }
        var run = Pretraining(model: model, data: data, birdie: birdie, optimizer: optimizer, outputs: outputs, engine: engine, common: common)
        run.printConfig = printConfig
        run.initOnly = initOnly
        run.driver.profile = profile
        try run.run()
    }
}
