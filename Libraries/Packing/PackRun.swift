import Foundation
import Formats
import Objectives
import ToolSupport

/// `pack`: an objective-sample stream in, a packed-row stream out, in bounded memory.
public enum PackRun {
    public static func run(source: FileSource, output: String, length: Int?, window: Int,
                           compression: Compression, progress mode: ProgressMode, quiet: Bool = false) throws -> PackingStats {
        let reader = try SampleReader(source: source)
        guard let rowLength = length ?? reader.rowLength else {
            throw ToolError.usage("\(reader.name) does not record its row length; give --length")
        }
        var extra = reader.header.provenance.extra.filter { ["grid", "configurations", "mixture"].contains($0.key) }
        extra["row-length"] = String(rowLength)
        extra["window"] = String(window)
        let provenance = Provenance(tool: "pack", arguments: Provenance.commandLine, extra: extra)
        let writer = try RowWriter(output: try OutputFile(output), rowLength: rowLength,
                                   vocabularySize: reader.header.vocabularySize, provenance: provenance, compression: compression)
        var packer = Packer(rowLength: rowLength, window: window)
        let progress = Progress("pack", unit: "rows", mode: mode)
        do {
            while let sample = try reader.next() {
                for row in packer.add(sample) { try writer.append(row) }
                progress.update(Double(packer.stats.rows))
            }
            for row in packer.finish() { try writer.append(row) }
            guard packer.stats.samples > 0 else {
                throw ToolError.badInput(reader.name, reader.recordsRead == 0 ? "holds no samples" : "every sample is longer than a row of \(rowLength)",
                                         fix: reader.recordsRead == 0 ? "check the corrupt step before it" : "use --length of at least the samples' row length")
            }
            let s = packer.stats
            try writer.finish(Closing(inputs: [InputChecksum(path: source.path, bytes: source.bytesRead, crc32c: source.checksum.value)],
                                      extra: ["rows": String(s.rows), "samples": String(s.samples), "dropped-samples": String(s.droppedSamples),
                                              "fill-rate": String(format: "%.6f", s.fillRate)]))
            if !quiet { progress.finish("\(s.rows) rows") }
            return s
        } catch {
            writer.discard()
            throw error
        }
    }
}
