import Formats
import Objectives
import ToolSupport
import Vocabulary

/// The packed-row stream (magic BIRDROWS, docs/FORMATS.md): one record per row with the fields
/// tokens (token ids), labels (i32, -1 = none), segments (u16), regions (u8: 0 pad, 1 prefix,
/// 2 causal), each of the row length, and configurations (u16, one per segment).
public enum RowStream {
    public static let kind = StreamKind.packedRows
    public static let fieldNames = ["tokens", "labels", "segments", "regions", "configurations"]

    public static func fields(vocabularySize: Int) -> [Field] {
        [Field("tokens", DType.forTokens(vocabularySize: vocabularySize), isTokenIDs: true),
         Field("labels", .i32), Field("segments", .u16), Field("regions", .u8), Field("configurations", .u16)]
    }
}

public final class RowWriter {
    private let writer: RecordWriter
    public let rowLength: Int

    /// `provenance.extra` should carry "row-length" and, from the samples, "grid" and "configurations".
    public init(output: OutputFile, rowLength: Int, vocabularySize: Int, provenance: Provenance,
                compression: Compression = .none) throws {
        self.rowLength = rowLength
        writer = try RecordWriter(output: output, kind: RowStream.kind, fields: RowStream.fields(vocabularySize: vocabularySize),
                                  vocabularySize: vocabularySize, provenance: provenance, compression: compression)
    }

    public func append(_ row: PackedRow) throws {
        precondition(row.length == rowLength)
        try writer.append([.ints(row.tokens), .ints(row.labels), .ints(row.segments),
                           .ints(row.regions.map { Int32($0.rawValue) }), .ints(row.segmentConfigurations)])
    }

    public func flush() throws { try writer.flush() }
    public func finish(_ closing: Closing = Closing()) throws { try writer.finish(closing) }
    public func discard() { writer.discard() }
    public var recordCount: Int { writer.recordCount }
}

public final class RowReader {
    private let reader: RecordReader
    public var header: StreamHeader { reader.header }
    public var name: String { reader.name }
    public var closing: Closing? { reader.closing }
    public let rowLength: Int?
    /// Configuration names by index, from the provenance (empty if not recorded).
    public let configurationNames: [String]

    public convenience init(path: String) throws { try self.init(source: try FileSource(path: path)) }

    public init(source: ByteSource) throws {
        reader = try RecordReader(source: source, expecting: RowStream.kind)
        try reader.require(fields: RowStream.fieldNames)
        rowLength = reader.header.provenance.extra["row-length"].flatMap { Int($0) }
        configurationNames = SampleStream.configurationNames(reader.header.provenance.extra) ?? []
    }

    /// The next row, or nil after the end frame. Checks the layout holds together.
    public func next() throws -> PackedRow? {
        guard let r = try reader.next() else { return nil }
        let n = r[0].count
        let which = "row \(reader.recordsRead)"
        guard n > 0, r[1].count == n, r[2].count == n, r[3].count == n, rowLength.map({ $0 == n }) ?? true else {
            throw ToolError.badInput(reader.name, "\(which): fields of different lengths", fix: "write the stream with pack")
        }
        var row = PackedRow(length: n)
        row.tokens = r[0].ints
        row.labels = r[1].ints
        row.segments = r[2].ints
        let regions = r[3].ints.compactMap { Region(rawValue: UInt8(clamping: $0)) }
        guard regions.count == n else {
            throw ToolError.badInput(reader.name, "\(which): a region value is not 0, 1 or 2", fix: "write the stream with pack")
        }
        row.regions = regions
        row.segmentConfigurations = r[4].ints
        guard Int(row.segments.max() ?? 0) == row.segmentConfigurations.count else {
            throw ToolError.badInput(reader.name, "\(which): \(row.segmentConfigurations.count) configurations for \(row.segments.max() ?? 0) segments",
                                     fix: "write the stream with pack")
        }
        // Labels index the loss's softmax: out of range they would read outside the logits.
        let vocabulary = Int32(clamping: reader.header.vocabularySize)
        for i in 0..<n where row.labels[i] != -1 {
            guard row.labels[i] >= 0 && row.labels[i] < vocabulary && row.segments[i] != 0 else {
                throw ToolError.badInput(reader.name, "\(which): label \(row.labels[i]) at position \(i) is outside the vocabulary of \(vocabulary) or on padding",
                                         fix: "write the stream with pack")
            }
        }
        if !configurationNames.isEmpty,
           let wrong = row.segmentConfigurations.first(where: { $0 < 0 || Int($0) >= configurationNames.count }) {
            throw ToolError.badInput(reader.name, "\(which): configuration index \(wrong) but the stream names \(configurationNames.count)",
                                     fix: "write the stream with pack")
        }
        return row
    }
}
