import Foundation
import Formats
import ToolSupport
import Vocabulary

/// What `corrupt` does, as library calls (the tool only parses flags).
public enum CorruptCommand {
    /// Token documents from `input` to an objective-sample stream at `output` ("-" = stdin/stdout),
    /// with a summary of the counts on stderr.
    public static func generate(input: String, output: String, mixture: Mixture, mixtureArgument: String, rowLength: Int,
                                seed: UInt64, placement: ParadigmPlacement, compression: Compression, common: CommonOptions) throws {
        let source = try FileSource(path: input)
        let reader = try TokenDocumentReader(source: source)
        var documents = TokenDocumentIterator(reader)
        var generator = try SampleGenerator(mixture: mixture, rowLength: rowLength, seed: seed, placement: placement)
        var extra = SampleStream.describe(mixture, rowLength: rowLength)
        extra["paradigm-placement"] = placement.rawValue
        let mixtureInputs = Mixture.builtInNames.contains(mixtureArgument) ? [] : [try InputChecksum(file: mixtureArgument)]
        let provenance = Provenance(tool: "corrupt", arguments: Provenance.commandLine, seed: seed,
                                    inputs: mixtureInputs, extra: extra)
        let writer = try SampleWriter(output: try OutputFile(output), vocabularySize: reader.vocabularySize,
                                      provenance: provenance, compression: compression)
        let progress = Progress("corrupt", unit: "samples", mode: common.effectiveProgress)
        do {
            while let sample = generator.next(from: &documents) {
                try writer.append(sample)
                progress.update(Double(generator.counts.samples))
            }
            if let error = documents.error { throw error }
            let c = generator.counts
            guard c.documents > 0 else {
                throw ToolError.badInput(reader.name, "holds no documents", fix: "encode some text with tokenize encode")
            }
            guard c.samples > 0 else {
                throw ToolError.badInput(reader.name, "no document is long enough for the mixture (\(c.skippedPieces) pieces, \(c.skippedTokens) tokens skipped)",
                                         fix: "use longer documents or a mixture of shorter objectives")
            }
            try writer.finish(Closing(inputs: [InputChecksum(path: input, bytes: source.bytesRead, crc32c: source.checksum.value)],
                                      extra: ["samples": String(c.samples), "skipped-pieces": String(c.skippedPieces),
                                              "skipped-tokens": String(c.skippedTokens), "short-samples": String(c.shortSamples)]))
            if !common.quiet {
                printSummary(c, mixture: mixture, verbose: common.verbose)
                progress.finish("\(c.samples) samples from \(c.documents) documents")
            }
        } catch {
            writer.discard()
            throw error
        }
    }

    static func printSummary(_ c: GeneratorCounts, mixture: Mixture, verbose: Bool) {
        let tokens = c.tokensPerConfiguration.reduce(0, +)
        printError("corrupt: \(c.documents) documents, \(c.samples) samples, \(tokens) sample tokens from \(c.textTokens) text tokens; \(c.shortSamples) samples shorter than their length range (short documents); skipped \(c.skippedPieces) pieces too short for the configuration drawn (\(c.skippedTokens) tokens)")
        var line = "corrupt: class shares (samples / tokens):"
        for (k, _) in mixture.classShares {
            let members = mixture.grid.classes.indices.filter { mixture.grid.classes[$0] == k }
            let s = members.map { c.samplesPerConfiguration[$0] }.reduce(0, +)
            let t = members.map { c.tokensPerConfiguration[$0] }.reduce(0, +)
            if s > 0 { line += String(format: " %@ %.3f/%.3f", k.rawValue, Double(s) / Double(c.samples), Double(t) / Double(max(tokens, 1))) }
        }
        printError(line)
        if verbose {
            for (i, name) in mixture.grid.names.enumerated() where c.samplesPerConfiguration[i] > 0 {
                printError("corrupt:   \(name): \(c.samplesPerConfiguration[i]) samples, \(c.tokensPerConfiguration[i]) tokens")
            }
        }
    }

    /// The first `count` samples, decoded for humans (`decode` turns text tokens into text).
    public static func explain(input: String, vocabularySize: Int, mixture: Mixture, rowLength: Int, seed: UInt64,
                               placement: ParadigmPlacement, count: Int, maxCharacters: Int,
                               decode: ([TokenID]) -> String) throws -> [String] {
        let reader = try TokenDocumentReader(path: input, vocabularySize: vocabularySize)
        var documents = TokenDocumentIterator(reader)
        var generator = try SampleGenerator(mixture: mixture, rowLength: rowLength, seed: seed, placement: placement)
        var shown = [String]()
        while shown.count < count, let sample = generator.next(from: &documents) {
            shown.append(SampleExplainer.explain(sample, number: shown.count + 1, grid: mixture.grid,
                                                 maxCharacters: maxCharacters, decode: decode))
        }
        if let error = documents.error { throw error }
        if shown.isEmpty { throw ToolError.badInput(reader.name, "no sample could be made (no documents, or all too short)") }
        return shown
    }

    /// The objective registry as TSV: grid name, class, the class's paradigm token. The one source
    /// of objective -> class for what cannot link this library (Pipelines/grids/make-objective-grids.py).
    public static func objectiveListing() -> String {
        (["objective\tclass\tparadigm"] + ObjectiveName.allCases.map {
            "\($0.rawValue)\t\($0.objectiveClass.rawValue)\t\($0.objectiveClass.paradigm.name)"
        }).joined(separator: "\n")
    }

    /// The mixture's configurations as TSV: index, name, class, probability, text lengths at rowLength.
    public static func listing(_ mixture: Mixture, rowLength: Int) -> String {
        var lines = ["index\tname\tclass\tprobability\ttext-length-at-\(rowLength)"]
        for (i, c) in mixture.grid.configurations.enumerated() {
            let range = SampleGenerator.textLengthRange(c, rowLength: rowLength, referenceRowLength: mixture.grid.referenceRowLength)
            lines.append("\(i)\t\(c.name)\t\(c.objectiveClass.rawValue)\t\(mixture.probabilities[i])\t\(range.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "does not fit")")
        }
        return lines.joined(separator: "\n")
    }
}
