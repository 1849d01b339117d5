import ArgumentParser
import Foundation
import Kernels
import Models
import Scoring
import Training
import ToolSupport

extension ScoreTask: ExpressibleByArgument {}
extension TaskParadigm: ExpressibleByArgument {}

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a checkpoint on an evaluation task: phone books, SQuAD, multiple choice, objective samples.",
        subcommands: [Run.self, Bench.self], defaultSubcommand: Run.self)
}

struct Run: ParsableCommand, HasExamples {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Score a checkpoint on a task.",
        discussion: """
        Tasks (docs/SCORING.md): phonebook (JSONL from phonebook-gen: greedy answer; accuracy per number \
        and per query by count of queried numbers), squad (SQuAD 2.0 JSON: greedy answer of up to 64 \
        tokens; answer contains label, F1, exact match, by context length), mc (JSONL from infill-gen: \
        lowest loss per token among the choices), objectives (a `corrupt` sample stream: accuracy per \
        objective class). Prompts are [PLM] prompt in the prefix region; answers follow START (with a leading \
        space, as running text) and end at EOS. Writes one TSV row per item (-o, default stdout) and a JSON summary (--summary).
        """)
    static let examples = ["score --task phonebook --checkpoint ft.ckpt -m tok.model books-test.jsonl --summary s.json -o items.tsv",
                           "score --task objectives --checkpoint m.ckpt --limit 200 heldout.smpl"]

    @Option(help: "Task: \(ScoreTask.allCases.map(\.rawValue).joined(separator: ", ")).") var task: ScoreTask
    @Option(help: "Checkpoint (safetensors weights from train or finetune).") var checkpoint: String
    @Option(name: [.customShort("m"), .long], help: "Tokenizer model the checkpoint was trained with (all tasks but objectives).")
    var tokenizer: String?
    @Argument(help: "Task file; - or nothing for stdin.") var input = "-"
    @Option(name: .shortAndLong, help: "Per-item TSV (default stdout).") var output = "-"
    @Option(help: "JSON summary path.") var summary: String?
    @Option(help: "Score N items drawn across the file, one from each of N length strata (seeded by --seed; objectives: the first N samples).") var limit: Int?
    @Option(name: .customLong("max-new-tokens"), help: "Greedy decoding budget (default: phonebook the target's length, squad 64).")
    var maxNewTokens: Int?
    @Option(help: "Paradigm token before each prompt: prefix-lm, or next-token for a model pre-trained with clm alone (it never saw prefix-lm).")
    var paradigm: TaskParadigm = .prefixLM
    @OptionGroup(title: "Engine") var engine: EngineOptions
    @OptionGroup var common: CommonOptions

    @Option(name: .customLong("max-prompt-tokens"), help: "Refuse (before scoring) an item whose prompt is longer than this many tokens; also capped by what this machine's memory holds for the model.")
    var maxPromptTokens = Limits.promptTokens

    func validate() throws {
        try Limits.check(limit, "--limit", limit: Limits.items)
        try Limits.check(maxNewTokens, "--max-new-tokens", limit: Limits.newTokens)
        try Limits.check(maxPromptTokens, "--max-prompt-tokens", limit: Limits.promptTokens)
        if task != .objectives && tokenizer == nil { throw ValidationError("--task \(task.rawValue) needs the tokenizer model (-m)") }
    }

    func run() throws {
        try OutputFile.checkAtStart(outputs: [output, summary], inputs: [checkpoint, tokenizer, input])
        Engine.prepareProcess()
        engine.configure()
        var o = ScoreOptions(task: task, checkpoint: checkpoint, input: input)
        o.tokenizer = tokenizer; o.output = output; o.summary = summary; o.limit = limit; o.seed = common.seed; o.paradigm = paradigm
        o.maxNewTokens = maxNewTokens; o.maxPromptTokens = maxPromptTokens; o.progress = common.effectiveProgress; o.quiet = common.quiet
        o.notes = ["score: \(engine.precision.explanation)"]
        try ScoreCommand.run(o)
    }
}

struct Bench: ParsableCommand, HasExamples {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Decode tokens/s and memory against context length, side by side for several models.")
    static let examples = ["score bench --models gated-ssm-plus transformer --contexts 512 2048 --threads 2"]

    @Option(parsing: .upToNextOption, help: "Models to compare.") var models: [ModelKind] = [.gatedSSMPlus, .transformer]
    @Option(help: "Size preset.") var preset = "small"
    @Option(help: "Vocabulary size.") var vocabSize = 8192
    @Option(parsing: .upToNextOption, help: "Context lengths.") var contexts: [Int] = [512, 1024, 2048, 4096, 8192]
    @Option(help: "Steps timed at each context length.") var window = 32
    @OptionGroup(title: "Engine") var engine: EngineOptions

    func validate() throws {
        try Limits.check(vocabSize, "--vocab-size", limit: Limits.vocabulary)
        try Limits.check(contexts, "--contexts", limit: Limits.rowLength)
        try Limits.check(window, "--window", limit: 1 << 20)
    }

    func run() throws {
        Engine.prepareProcess()
        engine.configure()
        var results: [(name: String, points: [DecodeBenchmark.Point])] = []
        for kind in models {
            guard let config = ModelConfig.preset(preset, kind: kind, vocab: vocabSize, bidirectional: false) else {
                throw ToolError.usage("unknown preset \(preset)")
            }
            printError("bench: \(kind.rawValue), \(preset) preset (\(config.parameterCount) parameters), decoding to \(contexts.max() ?? 0) tokens")
            results.append((kind.rawValue, DecodeBenchmark.run(config, contexts: contexts, window: window, log: printError)))
        }
        try StandardStreams.printOutput(DecodeBenchmark.table(results))
    }
}
