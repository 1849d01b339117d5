import ArgumentParser
import Foundation
import Tasks
import ToolSupport

struct InfillGen: ParsableCommand, HasExamples {
    static let configuration = CommandConfiguration(
        commandName: "infill-gen",
        abstract: "Generate story-infilling multiple-choice items (docs/METHOD.md 6) from held-out text.",
        discussion: """
        Each line is {"context", "choices", "label", "source"}: the context numbers 3-7 consecutive \
        entries (paragraphs, or sentences of long paragraphs) of one held-out document, one replaced \
        by "(blank)", then "Which choice best fills in the missing entry?"; choices[label] is the \
        removed entry and the three others are entries of similar length from other documents. \
        Entries that also occur in the training split are never used. docs/TASKS.md has the rules.
        """)
    static let examples = ["infill-gen data/corpus/heldout.jsonl --count 500 > infill.jsonl"]

    @Argument(help: "Held-out corpus JSONL (field \"text\"; '-' for stdin).")
    var input = "data/corpus/heldout.jsonl"

    @Option(help: "The training split, whose entries are excluded (default: train.jsonl beside the input, when it exists).")
    var train: String?

    @Option(help: "Maximum number of items (fewer when the text runs out).")
    var count = 500

    @Option(help: "Entries per story, A-B.")
    var storyLength = RangeArgument(3...7)

    @Option(help: "Entry length in characters, A-B.")
    var entryCharacters = RangeArgument(20...400)

    @Option(name: .shortAndLong, help: "Output JSONL file ('-' for stdout).")
    var output = "-"

    @OptionGroup var common: CommonOptions

    func validate() throws {
        try Limits.check(count, "--count", limit: Limits.items, allowZero: true)
        try Limits.check(storyLength, "--story-length", limit: 1 << 10)
        try Limits.check(entryCharacters, "--entry-characters", limit: 1 << 20)
        if URL(fileURLWithPath: input).lastPathComponent == "train.jsonl" || input == train {
            throw ValidationError("\(input) is training text; infilling items must come from held-out text (data/corpus/heldout.jsonl)")
        }
    }

    func run() throws {
        try OutputFile.checkAtStart(outputs: [output], inputs: [input, train])
        let documents = try JSONLines.read(CorpusDocument.self, path: input)
        var excluded = Set<String>()
        let sibling = input == "-" ? nil : URL(fileURLWithPath: input).deletingLastPathComponent().appendingPathComponent("train.jsonl").path
        let trainPath = train ?? sibling.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        if let trainPath {
            for document in try JSONLines.read(CorpusDocument.self, path: trainPath) {
                excluded.formUnion(InfillGenerator.entries(of: document.text, maxCharacters: entryCharacters.range.upperBound))
            }
        }
        let generator = try InfillGenerator(documents: documents, excluded: excluded, storyLength: storyLength.range,
                                            minCharacters: entryCharacters.range.lowerBound,
                                            maxCharacters: entryCharacters.range.upperBound)
        let items = generator.generate(count: count, seed: common.seed)
        try OutputFile.write(JSONLines.encode(items), to: output)
        if !common.quiet {
            let note = trainPath.map { "training entries from \($0) excluded" } ?? "no training split given to exclude"
            printError("infill-gen: \(items.count) items from \(documents.count) documents; \(note)")
            if items.count < count { printError("infill-gen: the text ran out before --count \(count)") }
        }
    }
}
