import ArgumentParser
import ToolSupport
import Training

struct Finetune: ParsableCommand, HasExamples {
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
        place of --checkpoint (give the other flags of the original run again).
        """)
    static let examples = ["finetune --checkpoint m.ckpt -m tok.model books.jsonl --length 512 --steps 250 -o ft.ckpt"]

    @Option(help: "Checkpoint to start from (from train or finetune).") var checkpoint: String?
    @OptionGroup(title: "Data") var data: FinetuningDataOptions
    @OptionGroup(title: "Optimisation") var optimizer: OptimizerOptions<FinetuningDefaults>
    @OptionGroup(title: "Checkpoints and reports") var outputs: RunOutputOptions<FinetuningDefaults>
    @Flag(help: "Also keep the weights of every checkpoint as PATH.step-N, for learning curves (`score` each).")
    var snapshots = false
    @OptionGroup(title: "Engine") var engine: EngineOptions
    @OptionGroup var common: CommonOptions

    func validate() throws {
        if (checkpoint == nil) == (outputs.resume == nil) { throw ValidationError("give exactly one of --checkpoint CHECKPOINT or --resume CHECKPOINT") }
        if outputs.output == nil && outputs.resume == nil { throw ValidationError("give the output checkpoint with -o") }
    }

    func run() throws {
        try Finetuning(checkpoint: checkpoint, data: data, optimizer: optimizer, outputs: outputs, engine: engine, common: common)
            .run(snapshots: snapshots)
    }
}
