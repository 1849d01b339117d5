import ArgumentParser
import Foundation
import Tasks
import ToolSupport
import Randomness

struct PhonebookGen: ParsableCommand, HasExamples {
    static let configuration = CommandConfiguration(
        commandName: "phonebook-gen",
        abstract: "Generate phone-book retrieval tasks (docs/METHOD.md 6) as JSONL.",
        discussion: """
        Each line is {"prompt", "target", "entries", "queries"} (and "tokens" with --max-tokens): the \
        question, "Phonebook:", one "First Last: ddd-ddd-dddd" line per entry, the question again; the \
        target is the asked-for numbers, comma-separated, in question order. Names and numbers are \
        unique within a book; names come from the US Census lists (`make data` puts them in data/names).

        With --max-tokens, prompt plus target fit in that many tokens of the -m tokenizer (UTF-8 bytes \
        without -m, an upper bound for any byte-level BPE): a book over budget loses unqueried entries, \
        never going below the lower end of --entries. Leave room for the special tokens a row adds.

        With --rungs (instead of --entries), book i has exactly the i-th entry count of the list, \
        cycling, so each rung gets an equal share of the books; the queries are capped at the rung's \
        entries, and a rung's book over budget is drawn again rather than trimmed. `score` reports \
        each rung in its summary's by_entries.
        """)
    static let examples = ["phonebook-gen --entries 20-60 --queries 1-8 --count 500 --max-tokens 1000 > books.jsonl",
                           "phonebook-gen --rungs 1,2,4,8,16 --queries 1-4 --count 500 --max-tokens 600 -m tok.model > ladder.jsonl"]

    /// Optional so that --rungs can refuse it; absent with no --rungs means this.
    static let defaultEntries = RangeArgument(8...40)
    /// Entries per book at most: a book of this many entries is already about 2 MB of text, past
    /// any prompt `score` reads (--max-prompt-tokens).
    static let maxEntries = 1 << 16

    @Option(help: "Entries per book, A-B (uniform; default \(PhonebookGen.defaultEntries)).")
    var entries: RangeArgument?

    @Option(help: "Exact entries per book on a ladder, e.g. 1,2,4,8: book i gets the list's (i mod length)-th, in equal shares; not with --entries.")
    var rungs: ListArgument?

    @Option(help: "Numbers asked for per book, A-B (uniform, at most the entries).")
    var queries = RangeArgument(1...8)

    @Option(help: "Number of books.")
    var count = 100

    @Option(help: "Folder with the census files dist.female.first, dist.male.first, dist.all.last.")
    var names = CensusNames.defaultDirectory

    @Option(help: "Token budget for prompt plus target.")
    var maxTokens: Int?

    @Option(name: [.customShort("m"), .customLong("tokenizer")], help: "Tokenizer model that counts tokens for --max-tokens (default: UTF-8 bytes).")
    var model: String?

    @Option(name: .shortAndLong, help: "Output JSONL file ('-' for stdout).")
    var output = "-"

    @OptionGroup var common: CommonOptions

    func validate() throws {
        try Limits.check(count, "--count", limit: Limits.items)
        try Limits.check(maxTokens, "--max-tokens", limit: Limits.promptTokens)
        try Limits.check(entries, "--entries", limit: PhonebookGen.maxEntries)
        try Limits.check(rungs, "--rungs", limit: PhonebookGen.maxEntries)
        try Limits.check(queries, "--queries", limit: PhonebookGen.maxEntries, allowZero: true)
        if model != nil && maxTokens == nil { throw ValidationError("-m counts tokens for --max-tokens: give both") }
        if entries != nil && rungs != nil { throw ValidationError("--rungs and --entries both set the entries per book: give one") }
    }

    func run() throws {
        try OutputFile.checkAtStart(outputs: [output], inputs: [model] + (CensusNames.firstNameFiles + [CensusNames.lastNameFile]).map { names + "/" + $0 })
        let census = try CensusNames(directory: names)
        let tokenCount = try model.map { try bpeTokenCounter(modelPath: $0) } ?? utf8ByteCount
        let generator: PhoneBookGenerator
        if let rungs {
            generator = try PhoneBookGenerator(names: census, rungs: rungs.values, queries: queries.range,
                                               maxTokens: maxTokens, tokenCount: tokenCount)
        } else {
            generator = try PhoneBookGenerator(names: census, entries: (entries ?? Self.defaultEntries).range, queries: queries.range,
                                               maxTokens: maxTokens, tokenCount: tokenCount)
        }
        let progress = Progress("phonebook-gen", total: Double(count), unit: "books", mode: common.effectiveProgress)
        var rng = SplitMix64(seed: common.seed)
        var items: [PhoneBookItem] = []
        for i in 0..<count {
            items.append(try generator.item(i, &rng))
            progress.update(Double(i + 1))
        }
        try OutputFile.write(JSONLines.encode(items), to: output)
        if !common.quiet {
            let meanEntries = items.isEmpty ? 0 : Double(items.map(\.entries).reduce(0, +)) / Double(items.count)
            let maxTokens = items.compactMap(\.tokens).max().map { ", longest \($0) tokens" } ?? ""
            progress.finish("\(items.count) books, \(String(format: "%.1f", meanEntries)) entries on average\(maxTokens)")
        }
    }
}
