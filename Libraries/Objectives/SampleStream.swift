import Foundation
import Formats
import ToolSupport
import Vocabulary

/// The objective-sample stream (magic BIRDSMPL, docs/FORMATS.md): one record per sample with the
/// fields configuration (u16, one value: the index in the grid), input and target (token ids). The
/// header's provenance names the grid's configurations, so a stream explains itself.
public enum SampleStream {
    public static let kind = StreamKind.objectiveSamples
    public static let fieldNames = ["configuration", "input", "target"]

    public static func fields(vocabularySize: Int) -> [Field] {
        let tokens = DType.forTokens(vocabularySize: vocabularySize)
        return [Field("configuration", .u16), Field("input", tokens, isTokenIDs: true),
                Field("target", tokens, isTokenIDs: true)]
    }

    /// Provenance keys describing the samples: grid name, configuration names (JSON array, by
    /// index), the mixture (JSON) and the row length the samples were made to fit.
    public static func describe(_ mixture: Mixture, rowLength: Int) -> [String: String] {
        let names = String(decoding: try! JSONEncoder().encode(mixture.grid.names), as: UTF8.self)
        return ["grid": mixture.grid.name, "configurations": names, "mixture": mixture.json(),
                "row-length": String(rowLength)]
    }

    /// The configuration names a stream's provenance records (by index), or nil.
    public static func configurationNames(_ extra: [String: String]) -> [String]? {
        extra["configurations"].flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
    }
}

public final class SampleWriter {
    private let writer: RecordWriter

    public init(output: OutputFile, vocabularySize: Int, provenance: Provenance,
                compression: Compression = .none) throws {
        writer = try RecordWriter(output: output, kind: SampleStream.kind,
                                  fields: SampleStream.fields(vocabularySize: vocabularySize),
                                  vocabularySize: vocabularySize, provenance: provenance, compression: compression)
    }

    public func append(_ s: ObjectiveSample) throws {
        try writer.append([.ints([Int32(s.configuration)]), .ints(s.input), .ints(s.target)])
    }

    public func flush() throws { try writer.flush() }
    public func finish(_ closing: Closing = Closing()) throws { try writer.finish(closing) }
    public func discard() { writer.discard() }
    public var recordCount: Int { writer.recordCount }
}

public final class SampleReader {
    private let reader: RecordReader
    public var header: StreamHeader { reader.header }
    public var name: String { reader.name }
    public var closing: Closing? { reader.closing }
    public var recordsRead: Int { reader.recordsRead }
    /// Configuration names by index, from the provenance (empty if the writer did not record them).
    public let configurationNames: [String]
    /// The row length the samples were made for, if recorded.
    public let rowLength: Int?

    public convenience init(path: String) throws {
        try self.init(source: try FileSource(path: path))
    }

    public init(source: ByteSource) throws {
        reader = try RecordReader(source: source, expecting: SampleStream.kind)
        try reader.require(fields: SampleStream.fieldNames)
        configurationNames = SampleStream.configurationNames(reader.header.provenance.extra) ?? []
        rowLength = reader.header.provenance.extra["row-length"].flatMap { Int($0) }
    }

    /// The next sample, or nil after the end frame.
    public func next() throws -> ObjectiveSample? {
        guard let r = try reader.next() else { return nil }
        guard r[0].count == 1 else {
            throw ToolError.badInput(reader.name, "sample \(reader.recordsRead) has \(r[0].count) configuration values, not 1",
                                     fix: "write the stream with corrupt")
        }
        return ObjectiveSample(configuration: Int(r[0].ints[0]), input: r[1].ints, target: r[2].ints)
    }
}
