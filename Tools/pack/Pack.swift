import ArgumentParser
import Formats
import Packing
import ToolSupport

extension Compression: ExpressibleByArgument {}

struct Pack: ParsableCommand, HasExamples {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Pack objective samples into fixed-length training rows.",
        discussion: """
            Reads an objective-sample stream (corrupt) and writes a packed-row stream: per row the \
            tokens, labels (-1 = none), segment ids (1, 2, ... per sample, 0 = padding) and regions \
            (pad, prefix, causal), laid out as in docs/FORMATS.md. Packing is first fit over a window \
            of open rows (--window 1: greedy in arrival order); a sample longer than a row is dropped \
            and counted. Fill rate and counts go to stderr.
            """)
    static let examples = ["corrupt --mixture ul2 --length 512 docs.tok | pack -o ul2.pack",
                           "pack --window 1 --compress zstd -o rows.pack samples.smpl"]

    @Argument(help: "Objective-sample stream ('-' for stdin).")
    var input = "-"

    @Option(name: .shortAndLong, help: "Packed-row stream to write ('-' for stdout).")
    var output = "-"

    @Option(help: "Row length (default: the length the samples were made for, from the stream).")
    var length: Int?

    @Option(help: "Open rows a sample may go into (first fit); 1 is greedy packing in arrival order.")
    var window = 8

    @Option(help: "Chunk compression: none or zstd.")
    var compress: Compression = .none

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let length, length < 2 { throw ValidationError("--length must be at least 2") }
        try Limits.check(length, "--length", limit: Limits.rowLength)
        try Limits.check(window, "--window", limit: 1 << 16)
    }

    func run() throws {
        try OutputFile.checkAtStart(outputs: [output], inputs: [input])
        let source = try FileSource(path: input)
        let stats = try PackRun.run(source: source, output: output, length: length, window: window,
                                    compression: compress, progress: common.effectiveProgress, quiet: common.quiet)
        if !common.quiet {
            printError(String(format: "pack: %d samples in %d rows of %d, fill rate %.1f%%; dropped %d samples longer than a row (%d tokens)",
                              stats.samples, stats.rows, stats.rowLength, stats.fillRate * 100, stats.droppedSamples, stats.droppedTokens))
        }
    }
}
