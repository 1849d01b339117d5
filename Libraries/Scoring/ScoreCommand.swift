import Foundation
import Formats
import Models
import Objectives
import Tasks
import ToolSupport
import Training
import Vocabulary

/// The tasks `score` knows.
public enum ScoreTask: String, CaseIterable, Sendable {
    case phonebook, squad, mc, objectives
}

/// The paradigm token a task prompt starts with: prefix-LM (every Birdie, UL2 and fine-tuned model
/// has read it), or next-token for a model pre-trained on next-token prediction alone.
public enum TaskParadigm: String, CaseIterable, Sendable {
    case prefixLM = "prefix-lm", nextToken = "next-token"
    public var token: TokenID {
        switch self {
        case .prefixLM: SpecialToken.paradigmPrefixLM.rawValue
        case .nextToken: SpecialToken.paradigmNextToken.rawValue
        }
    }
}

/// Everything `score` is asked to do.
public struct ScoreOptions: Sendable {
    public var task: ScoreTask
    public var checkpoint: String
    /// The task file (`-` is stdin): JSONL for phonebook and mc, SQuAD JSON, a sample stream.
    public var input: String
    /// The tokenizer model (not needed for objectives).
    public var tokenizer: String?
    public var output = "-"
    public var summary: String?
    /// Score N items drawn by `EvaluationSample` (stratified by length, seeded) instead of all.
    public var limit: Int?
    public var seed: UInt64 = 1
    /// The paradigm token before every prompt (TaskText): the one the model was trained to read.
    public var paradigm = TaskParadigm.prefixLM
    /// nil: the task's default (phonebook: the target's length; squad: 64; unused by mc and objectives).
    public var maxNewTokens: Int?
    /// The longest prompt (in tokens, the paradigm token included) scored; a longer one is refused
    /// before scoring starts. Also capped by what the machine's memory holds (`promptBound`).
    public var maxPromptTokens = Limits.promptTokens
    public var progress: ProgressMode = .auto
    public var quiet = false
    /// Lines printed (unless quiet) once the input is read and checked, before the first item.
    public var notes: [String] = []
    public init(task: ScoreTask, checkpoint: String, input: String) {
        self.task = task; self.checkpoint = checkpoint; self.input = input
    }
}

/// What the `score` tool runs (testable in-process).
public enum ScoreCommand {
    public static let squadMaxNewTokens = 64

    public static func run(_ o: ScoreOptions) throws {
        let (model, step) = try Checkpoint.loadModel(o.checkpoint)
        let scorer = ModelScorer(model)
        let name = o.input == "-" ? "<stdin>" : o.input
        func limited<T>(_ items: [T], length: (T) -> Int) -> [T] {
            guard let limit = o.limit else { return items }
            return EvaluationSample.stratified(lengths: items.map(length), limit: limit, seed: o.seed).map { items[$0] }
        }
        func tokenizer() throws -> TaskText {
            guard let path = o.tokenizer else { throw ToolError.usage("--task \(o.task.rawValue) needs the tokenizer model (-m)") }
            var text = try TaskText(modelPath: path)
            text.paradigm = o.paradigm.token
            try text.checkMatches(modelVocabulary: model.config.vocab, checkpoint: o.checkpoint, tokenizer: path)
            return text
        }
        var progress: ToolSupport.Progress?
        func start(_ count: Int) -> (Int) -> Void {
            if !o.quiet {
                o.notes.forEach(printError)
                printError("score: \(o.task.rawValue), \(count) items, \(model.config.kind.rawValue) (\(model.config.bidirectional ? "bidirectional prefix" : "causal")) from \(o.checkpoint) at step \(step)")
            }
            let p = ToolSupport.Progress("score", total: Double(count), unit: "items", mode: o.quiet ? .never : o.progress)
            progress = p
            return { p.update(Double($0)) }
        }

        let bound = promptBound(model, asked: o.maxPromptTokens)
        /// Refuses, before any scoring, the first item whose prompt is over the bound. A prompt's
        /// tokens are at most its UTF-8 bytes plus the paradigm token, so only long ones are encoded.
        /// `rows`: how many rows of the prompt's length one item runs (mc: one per choice).
        func checkPrompts(_ prompts: [String], rows: (Int) -> Int = { _ in 1 }, text: TaskText, item: String) throws {
            for (i, prompt) in prompts.enumerated() where (prompt.utf8.count + 1) * rows(i) > bound.tokens {
                let count = text.input(prompt).count, r = rows(i)
                guard count * r <= bound.tokens else {
                    let what = r == 1 ? "\(count) tokens" : "\(count) tokens, \(count * r) with its \(r) choices"
                    throw ToolError.badInput(name, "\(item) \(i + 1): the prompt has \(what), over the bound of \(bound.tokens) (\(bound.reason))",
                                             fix: bound.fix)
                }
            }
        }

        var report: ScoreReport
        switch o.task {
        case .phonebook:
            let text = try tokenizer()
            let items = limited(try JSONLines.read(PhoneBookItem.self, path: o.input)) { $0.prompt.utf8.count }
            try checkPrompts(items.map(\.prompt), text: text, item: "item")
            report = PhoneBookScoring.score(items, model: scorer, text: text, maxNewTokens: o.maxNewTokens, progress: start(items.count))
        case .squad:
            let text = try tokenizer()
            let items = limited(try SquadReader.read(path: o.input, tokenCount: { text.tokens($0).count })) { $0.contextTokens ?? $0.context.utf8.count }
            try checkPrompts(items.map(\.prompt), text: text, item: "question")
            report = SquadScoring.score(items, model: scorer, text: text, maxNewTokens: o.maxNewTokens ?? squadMaxNewTokens,
                                        progress: start(items.count))
        case .mc:
            let text = try tokenizer()
            let items = limited(try JSONLines.read(InfillItem.self, path: o.input, check: ChoiceScoring.problem)) { $0.context.utf8.count }
            // The context and its longest choice are one row.
            try checkPrompts(items.map { $0.context + ($0.choices.max { $0.utf8.count < $1.utf8.count } ?? "") },
                             rows: { items[$0].choices.count }, text: text, item: "item")
            report = try ChoiceScoring.score(items, model: scorer, text: text, file: name, progress: start(items.count))
        case .objectives:
            let (samples, classes, names) = try readSamples(o.input, vocabulary: model.config.vocab, checkpoint: o.checkpoint, limit: o.limit)
            report = ObjectiveScoring.score(samples, classes: classes, names: names, model: scorer, progress: start(samples.count))
        }
        report.summary["checkpoint"] = .string(o.checkpoint)
        report.summary["step"] = .int(step)
        report.summary["model"] = .string(model.config.kind.rawValue)
        report.summary["form"] = .string(model.config.bidirectional ? "bidirectional" : "causal")
        if let path = o.summary { try OutputFile.write(report.summaryJSON, to: path) }
        try OutputFile.write(report.tsv, to: o.output)
        if !o.quiet, let progress {
            let headline = ["query_accuracy", "number_accuracy", "contains_label", "f1", "accuracy", "token_accuracy", "exact"]
                .compactMap { k in report.summary[k].map { "\(k) \($0.text(numbers: .fixed(6)))" } }.joined(separator: ", ")
            progress.finish("\(report.rows.count) items, \(headline)")
        }
    }

    /// The longest prompt scored: `asked` (--max-prompt-tokens), or fewer when the machine's
    /// memory holds fewer positions of this model's forward pass (half the memory, after the
    /// weights), with the reason and the fix for the error that names it.
    static func promptBound(_ model: Model, asked: Int) -> (tokens: Int, reason: String, fix: String) {
        let available = Limits.physicalMemory / 2 - Double(model.parameterCount * 8)
        let fits = max(1, Int(min(available / Double(model.bytesPerPosition), Double(Limits.promptTokens))))
        if fits < asked {
            return (fits, String(format: "what %.1f GB, half this machine's memory, holds at about %d KB per token for this model",
                                 Limits.physicalMemory / 2e9, (model.bytesPerPosition + 1023) / 1024),
                    "leave the item out or score it on a machine with more memory")
        }
        return (asked, "--max-prompt-tokens", "leave the item out, or raise --max-prompt-tokens (at most \(Limits.promptTokens))")
    }

    /// The samples of a `corrupt` stream and, per configuration, its objective class (from the
    /// grid the stream names) and name.
    static func readSamples(_ path: String, vocabulary: Int, checkpoint: String, limit: Int?) throws
        -> (samples: [ObjectiveSample], classes: [String], names: [String]) {
        let reader = try SampleReader(path: path)
        guard reader.header.vocabularySize == vocabulary else {
            throw ToolError.badInput(path, "the samples use a vocabulary of \(reader.header.vocabularySize) tokens but the model \(checkpoint) has \(vocabulary)",
                                     fix: "make the samples with the model's tokenizer")
        }
        // With --limit the rest is still read (not kept), so a stream without its end frame or
        // with a bad checksum is refused as it is without --limit.
        var samples: [ObjectiveSample] = [], read = 0
        while let s = try reader.next() {
            read += 1
            guard !s.target.isEmpty, (s.input + s.target).allSatisfy({ $0 >= 0 && Int($0) < vocabulary }) else {
                throw ToolError.badInput(path, "sample \(read) has no target or a token outside the vocabulary",
                                         fix: "make the samples with corrupt and the model's tokenizer")
            }
            if limit.map({ samples.count < $0 }) ?? true { samples.append(s) }
        }
        guard !samples.isEmpty else {
            throw ToolError.badInput(path, "no samples (the stream is empty)", fix: "make held-out samples with corrupt")
        }
        let names = reader.configurationNames
        var classes = names
        if let gridName = reader.header.provenance.extra["grid"], let grid = try? Grid.resolve(gridName), grid.names == names {
            classes = grid.classes.map(\.rawValue)
        }
        return (samples, classes, names)
    }
}
