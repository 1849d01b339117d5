import ArgumentParser
import Formats
import Objectives
import Tokenizer
import ToolSupport

extension Compression: ExpressibleByArgument {}
extension ParadigmPlacement: ExpressibleByArgument {}

struct Corrupt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corrupt",
        abstract: "Turn token documents into objective samples for a mixture of Birdie objectives.",
        discussion: """
            Reads a token-document stream (tokenize encode), draws a configuration of the mixture for \
            each sample, takes a chunk of the current document (the rest carries to the next sample) \
            and writes an objective-sample stream (configuration, input, target) for pack. Documents \
            too short for the configuration drawn are skipped and counted, never fatal.

            Mixtures: clm, ul2, bfr, birdie (the 104-configuration pool at its starting mixture), \
            light (15 configurations), or a JSON file {"grid": "birdie", "mixture": {"name": p, ...}} \
            (docs/FORMATS.md).
            """,
        subcommands: [Generate.self, Bench.self],
        defaultSubcommand: Generate.self)
}

extension Corrupt {
    struct Generate: ParsableCommand, HasExamples {
        static let configuration = CommandConfiguration(
            commandName: "generate", abstract: "Token documents in, objective samples out.")
        static let examples = ["tokenize encode -m tok.model a.txt | corrupt --mixture ul2 | pack > ul2.pack",
                               "corrupt --explain -m tok.model --mixture light --paradigm-placement append-half docs.tok",
                               "corrupt --mixture light --length 512 --list-configurations",
                               "corrupt --list-objectives"]

        @Argument(help: "Token-document stream ('-' for stdin).")
        var input = "-"

        @Option(help: "A named mixture (\(Mixture.builtInNames.joined(separator: ", "))) or a mixture JSON file.")
        var mixture = "birdie"

        @Option(help: "Row length the samples must fit; length ranges scale with it.")
        var length = 2048

        @Option(name: .shortAndLong, help: "Objective-sample stream to write ('-' for stdout).")
        var output = "-"

        @Option(help: "Where the paradigm token goes: prepend (always first) or append-half (last half of the time, as in the paper).")
        var paradigmPlacement: ParadigmPlacement = .prepend

        @Option(help: "Chunk compression: none or zstd.")
        var compress: Compression = .none

        @Flag(help: "Print samples decoded (In: ... / Tgt: ...) to stdout instead of writing a stream; needs -m/--tokenizer.")
        var explain = false

        @Option(name: [.customShort("m"), .customLong("tokenizer")], help: "Tokenizer model, for --explain.")
        var model: String?

        @Option(help: "With --explain: how many samples to print.")
        var count = 10

        @Option(help: "With --explain: longest line printed (the middle is elided).")
        var maxCharacters = 600

        @Flag(help: "List the mixture's configurations (index, name, class, probability, text lengths at --length) and exit.")
        var listConfigurations = false

        @Flag(help: "List the objectives a grid may name, with each one's class and paradigm token (TSV), and exit.")
        var listObjectives = false

        @OptionGroup var common: CommonOptions

        func validate() throws {
            guard length >= 16 else { throw ValidationError("--length must be at least 16") }
            try Limits.check(length, "--length", limit: Limits.rowLength)
            guard !explain || model != nil else { throw ValidationError("--explain needs the tokenizer model: -m tok.model") }
            try Limits.check(count, "--count", limit: Limits.items)
            try Limits.check(maxCharacters, "--max-characters", limit: 1 << 24)
        }

        func run() throws {
            try OutputFile.checkAtStart(outputs: [output], inputs: [input, model, mixture])
            if listObjectives { return try StandardStreams.printOutput(CorruptCommand.objectiveListing()) }
            let mix = try Mixture.resolve(mixture)
            if listConfigurations { return try StandardStreams.printOutput(CorruptCommand.listing(mix, rowLength: length)) }
            if explain {
                let (tokenizer, _) = try TokenizeCommands.loadModel(model!)
                let samples = try CorruptCommand.explain(
                    input: input, vocabularySize: tokenizer.vocabularySize, mixture: mix, rowLength: length, seed: common.seed,
                    placement: paradigmPlacement, count: count, maxCharacters: maxCharacters) { String(decoding: tokenizer.decode($0), as: UTF8.self) }
                return try StandardStreams.printOutput(samples.joined(separator: "\n"))
            }
            try CorruptCommand.generate(input: input, output: output, mixture: mix, mixtureArgument: mixture, rowLength: length,
                                    seed: common.seed, placement: paradigmPlacement, compression: compress, common: common)
        }
    }

    struct Bench: ParsableCommand, HasExamples {
        static let configuration = CommandConfiguration(
            commandName: "bench",
            abstract: "Tokens per second per objective class on one core, beside the authors' figures.",
            discussion: "Documents are synthetic (Zipf-distributed ids over 16,384 text tokens) and held in memory; tokens counted are sample tokens (input + target).")
        static let examples = ["corrupt bench --length 2048 --repetitions 3 --grid light",
                               "corrupt bench --emit-documents docs.tok --documents 2000"]

        @Option(help: "Row length.")
        var length = 2048

        @Option(help: "Sample tokens per class and repetition.")
        var tokens = 50_000_000

        @Option(help: "Repetitions (the median is reported).")
        var repetitions = 3

        @Option(help: "Grid whose classes are measured.")
        var grid = "birdie"

        @Option(help: "Instead of measuring, write this many synthetic documents of 8,192 tokens as a token-document stream to --emit-documents (for timing pipelines).")
        var documents = 1000

        @Option(help: "Token-document stream to write the synthetic documents to (then exit).")
        var emitDocuments: String?

        func validate() throws {
            guard length >= 16 else { throw ValidationError("--length must be at least 16") }
            try Limits.check(length, "--length", limit: Limits.rowLength)
            try Limits.check(tokens, "--tokens", limit: 1 << 40)
            try Limits.check(repetitions, "--repetitions", limit: 1 << 10)
            try Limits.check(documents, "--documents", limit: 1 << 20)
        }

        func run() throws {
            if let path = emitDocuments { return try ObjectiveBenchmark.writeDocuments(count: documents, to: path) }
            let g = try Grid.resolve(grid)
            let documents = ObjectiveBenchmark.syntheticDocuments(count: 64, length: 8192, seed: 1)
            let results = try ObjectiveBenchmark.run(grid: g, rowLength: length, tokens: tokens,
                                                     repetitions: repetitions, seed: 1, documents: documents)
            try StandardStreams.printOutput(ObjectiveBenchmark.table(results, rowLength: length))
        }
    }
}
