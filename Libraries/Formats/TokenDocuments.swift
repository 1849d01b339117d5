import ToolSupport

/// The token-document stream: one record per document, one field "tokens" (u16 when the
/// vocabulary fits, else u32). Written by `tokenize encode`, read by `corrupt`, `tokenize decode`.
public enum TokenDocuments {
    public static let kind = StreamKind.tokenDocuments
    public static let fieldName = "tokens"

    public static func fields(vocabularySize: Int) -> [Field] {
        [Field(fieldName, DType.forTokens(vocabularySize: vocabularySize), isTokenIDs: true)]
    }
}

/// Writes documents of token ids. Call `finish` at the end; until then the file has a temporary
/// name (or, on stdout, no end frame), so it can never pass for a finished one.
public final class TokenDocumentWriter {
    private let writer: RecordWriter
    public private(set) var documentCount = 0
    public private(set) var tokenCount = 0
    public var vocabularySize: Int { writer.header.vocabularySize }
    public var bytesWritten: Int { writer.bytesWritten }

    public init(output: OutputFile, vocabularySize: Int, provenance: Provenance,
                compression: Compression = .none) throws {
        writer = try RecordWriter(output: output, kind: TokenDocuments.kind,
                                  fields: TokenDocuments.fields(vocabularySize: vocabularySize),
                                  vocabularySize: vocabularySize, provenance: provenance,
                                  compression: compression)
    }

    /// Writes to `path`, or stdout for "-".
    public convenience init(path: String, vocabularySize: Int, provenance: Provenance,
                            compression: Compression = .none) throws {
        try self.init(output: try OutputFile(path), vocabularySize: vocabularySize,
                      provenance: provenance, compression: compression)
    }

    public func append(_ tokens: [Int32]) throws {
        try writer.append(ints: tokens)
        documentCount += 1
        tokenCount += tokens.count
    }

    public func flush() throws { try writer.flush() }

    public func finish(_ closing: Closing = Closing()) throws { try writer.finish(closing) }

    public func discard() { writer.discard() }
}

/// Reads documents of token ids, validating everything (exit 65 with a reason on bad input).
public final class TokenDocumentReader {
    private let reader: RecordReader
    public var header: StreamHeader { reader.header }
    public var vocabularySize: Int { reader.header.vocabularySize }
    public var provenance: Provenance { reader.header.provenance }
    public var name: String { reader.name }
    /// The end frame's block, after `next()` returned nil.
    public var closing: Closing? { reader.closing }
    public private(set) var documentCount = 0
    public private(set) var tokenCount = 0

    /// Opens `path` ("-" for stdin). With `vocabularySize`, refuses a stream of another vocabulary.
    public convenience init(path: String, vocabularySize: Int? = nil) throws {
        try self.init(source: try FileSource(path: path), vocabularySize: vocabularySize)
    }

    public init(source: ByteSource, vocabularySize: Int? = nil) throws {
        reader = try RecordReader(source: source, expecting: TokenDocuments.kind)
        try reader.require(fields: [TokenDocuments.fieldName])
        if let v = vocabularySize, v != reader.header.vocabularySize {
            throw ToolError.badInput(reader.name,
                "was encoded with a vocabulary of \(reader.header.vocabularySize) tokens, not \(v)",
                fix: "use the tokenizer model that encoded it (see its provenance), or re-encode with this model")
        }
    }

    /// The next document, or nil after the end frame.
    public func next() throws -> [Int32]? {
        guard let r = try reader.next() else { return nil }
        let tokens = r[0].ints
        documentCount += 1
        tokenCount += tokens.count
        return tokens
    }
}
