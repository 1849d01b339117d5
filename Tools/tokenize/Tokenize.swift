import ArgumentParser
import Formats
import Tokenizer
import ToolSupport

extension TextFormat: ExpressibleByArgument {}
extension Compression: ExpressibleByArgument {}
extension TokenizeCommands.OutputFormat: ExpressibleByArgument {}

struct Tokenize: ParsableCommand, HasExamples {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Byte-level BPE: learn a vocabulary, encode text to token documents, decode them back.",
        discussion: """
            Special tokens (PAD, START, EOS, paradigm tokens, selective-copying markers, 128 sentinels) \
            are reserved ids 0..159 that text never encodes to; bytes are ids 160..415; merges follow.
            Any input bytes round-trip exactly, including NUL and invalid UTF-8.
            """,
        subcommands: [Train.self, Encode.self, Decode.self])

    static let examples = [Train.examples[0], Encode.examples[0], Decode.examples[0]]
}

struct TextInputOptions: ParsableArguments {
    @Option(help: "How inputs are split into documents: auto (by name; stdin: jsonl if it starts with '{'), txt (blank-line separated), jsonl, raw (whole input). zstd-compressed inputs are detected.")
    var inputFormat: TextFormat = .auto

    @Option(help: "The JSONL field holding the text.")
    var textField = "text"

    var value: TokenizeCommands.TextInput { .init(format: inputFormat, field: textField) }
}

struct Train: ParsableCommand, HasExamples {
    static let configuration = CommandConfiguration(abstract: "Learn BPE merges from text and write a model file.")
    static let examples = ["tokenize train --vocab-size 8192 -o tok.model corpus.jsonl"]

    @Option(help: "Vocabulary size, including the 160 reserved ids and 256 byte tokens (at least 416).")
    var vocabSize = 8192

    @Option(help: "Only merge pairs seen at least this often.")
    var minFrequency = 2

    @Option(help: "Pre-tokenised pieces longer than this many bytes are left out of the statistics.")
    var maxPieceBytes = 256

    @Option(name: .shortAndLong, help: "The model file to write.")
    var output: String

    @OptionGroup var text: TextInputOptions
    @OptionGroup var common: CommonOptions

    @Argument(help: "Text inputs (.txt, .jsonl, .jsonl.zst); - or nothing for stdin.")
    var inputs: [String] = ["-"]

    func validate() throws {
        guard vocabSize >= 416 else { throw ValidationError("--vocab-size must be at least 416 (160 reserved + 256 bytes)") }
        try Limits.check(vocabSize, "--vocab-size", limit: Limits.vocabulary)
        try Limits.check(minFrequency, "--min-frequency", limit: Int(Int32.max))
        try Limits.check(maxPieceBytes, "--max-piece-bytes", limit: PreTokenizer.maxPieceBytes)
    }

    func run() throws {
        try OutputFile.checkAtStart(outputs: [output], inputs: inputs)
        try TokenizeCommands.train(inputs: inputs, text: text.value, vocabularySize: vocabSize,
                                   minFrequency: minFrequency, maxPieceBytes: maxPieceBytes, output: output,
                                   arguments: Provenance.commandLine, progress: common.effectiveProgress, quiet: common.quiet)
    }
}

struct Encode: ParsableCommand, HasExamples {
    static let configuration = CommandConfiguration(abstract: "Encode text documents into a token-document stream (docs/FORMATS.md).")
    static let examples = ["tokenize encode -m tok.model corpus.jsonl > docs.tok",
                           "tokenize encode -m tok.model --compress zstd -o docs.tok a.txt b.jsonl.zst"]

    @Option(name: [.customShort("m"), .customLong("tokenizer")], help: "The model file from `tokenize train`.")
    var model: String

    @Option(name: .shortAndLong, help: "Where to write the stream; - for stdout.")
    var output = "-"

    @Option(help: "Chunk compression: none or zstd.")
    var compress: Compression = .none

    @OptionGroup var text: TextInputOptions
    @OptionGroup var common: CommonOptions

    @Argument(help: "Text inputs (.txt, .jsonl, .jsonl.zst); - or nothing for stdin.")
    var inputs: [String] = ["-"]

    func run() throws {
        try OutputFile.checkAtStart(outputs: [output], inputs: inputs + [model])
        try TokenizeCommands.encode(inputs: inputs, text: text.value, modelPath: model, output: output,
                                    compression: compress, arguments: Provenance.commandLine,
                                    progress: common.effectiveProgress, quiet: common.quiet)
    }
}

struct Decode: ParsableCommand, HasExamples {
    static let configuration = CommandConfiguration(abstract: "Decode a token-document stream back to text.")
    static let examples = ["tokenize decode -m tok.model docs.tok > corpus-again.jsonl"]

    @Option(name: [.customShort("m"), .customLong("tokenizer")], help: "The model file that encoded the stream.")
    var model: String

    @Option(name: .shortAndLong, help: "Where to write the text; - for stdout.")
    var output = "-"

    @Option(help: "Output: auto (the encoder's input format), txt (documents separated by a blank line), jsonl ({\"text\": ...} per line), raw (documents concatenated).")
    var format: TokenizeCommands.OutputFormat = .auto

    @Flag(help: "Print special tokens by name (e.g. <eos>) instead of refusing them.")
    var showSpecial = false

    @OptionGroup var common: CommonOptions

    @Argument(help: "A token-document stream; - or nothing for stdin.")
    var input = "-"

    func run() throws {
        try OutputFile.checkAtStart(outputs: [output], inputs: [input, model])
        try TokenizeCommands.decode(input: input, modelPath: model, output: output, format: format,
                                    showSpecial: showSpecial, progress: common.effectiveProgress, quiet: common.quiet)
    }
}
