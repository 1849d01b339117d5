import CZstd
import Foundation
import ToolSupport

/// The kind of a binary stream: its 8-byte magic, and words for error messages.
public struct StreamKind: Sendable, Equatable {
    public let magic: [UInt8]
    public let description: String
    /// The command that makes such a file, for "fix" hints.
    public let producedBy: String

    public init(magic: String, description: String, producedBy: String) {
        precondition(magic.utf8.count == 8, "a stream magic is 8 ASCII bytes")
        self.magic = Array(magic.utf8)
        self.description = description
        self.producedBy = producedBy
    }

    public static let tokenDocuments = StreamKind(magic: "BIRDTOKD", description: "token-document stream",
                                                  producedBy: "tokenize encode")
    public static let objectiveSamples = StreamKind(magic: "BIRDSMPL", description: "objective-sample stream",
                                                    producedBy: "corrupt")
    public static let packedRows = StreamKind(magic: "BIRDROWS", description: "packed-row stream",
                                              producedBy: "pack")
    /// In pipeline order: each is made from the one before.
    public static let known: [StreamKind] = [.tokenDocuments, .objectiveSamples, .packedRows]

    /// The commands that make this kind from text, e.g. "tokenize encode | corrupt | pack".
    public var pipelineFromText: String {
        let upTo = StreamKind.known.firstIndex(of: self).map { $0 + 1 } ?? StreamKind.known.count
        return StreamKind.known.prefix(upTo).map(\.producedBy).joined(separator: " | ")
    }
}

/// How the values of one field are stored. Integer dtypes are Int32 in memory.
public enum DType: UInt8, Sendable, CaseIterable {
    case u8 = 1, u16 = 2, u32 = 3, i32 = 4, f32 = 5

    public var size: Int {
        switch self {
        case .u8: 1
        case .u16: 2
        case .u32, .i32, .f32: 4
        }
    }

    /// u16 when every id of the vocabulary fits, else u32.
    public static func forTokens(vocabularySize: Int) -> DType { vocabularySize <= 65536 ? .u16 : .u32 }
}

/// One array of every record: a name, a dtype, and whether its values are token ids
/// (then readers check each value is below the vocabulary size).
public struct Field: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    public var isTokenIDs: Bool

    public init(_ name: String, _ dtype: DType, isTokenIDs: Bool = false) {
        self.name = name
        self.dtype = dtype
        self.isTokenIDs = isTokenIDs
    }
}

/// The values of one field in one record.
public enum Column: Equatable, Sendable {
    case ints([Int32])
    case floats([Float])

    public var count: Int {
        switch self {
        case .ints(let v): v.count
        case .floats(let v): v.count
        }
    }
    /// The integers of an integer field (empty for a float field).
    public var ints: [Int32] { if case .ints(let v) = self { v } else { [] } }
    /// The values of a float field (empty for an integer field).
    public var floats: [Float] { if case .floats(let v) = self { v } else { [] } }
}

public enum Compression: String, Sendable, CaseIterable {
    case none, zstd
}

/// Everything the header says.
public struct StreamHeader: Sendable, Equatable {
    public var kind: StreamKind
    public var version: Int
    public var compression: Compression
    public var vocabularySize: Int
    public var fields: [Field]
    public var provenance: Provenance
}

/// Layout constants (docs/FORMATS.md).
enum Layout {
    static let version: UInt16 = 1
    static let flagZstd: UInt16 = 1
    static let chunkTag = Array("CHNK".utf8)
    static let endTag = Array("END!".utf8)
    static let chunkHeaderBytes = 24
    static let maxFields = 16
    static let maxProvenanceBytes = 1 << 20
    static let maxChunkBytes = 1 << 30
}

extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }
}

extension UnsafeRawBufferPointer {
    func le<T: FixedWidthInteger>(_ offset: Int, as: T.Type) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

func leValue<T: FixedWidthInteger>(_ bytes: [UInt8], _ offset: Int, as: T.Type) -> T {
    bytes.withUnsafeBytes { $0.le(offset, as: T.self) }
}

// MARK: - Writing

/// Writes a stream of records in framed chunks to an OutputFile (a temporary name renamed into
/// place by `finish`, or stdout). Works through pipes: counts go in the end frame.
public final class RecordWriter {
    public let header: StreamHeader
    private let output: OutputFile
    private let chunkBytes: Int
    private var payload: [UInt8] = []
    private var payloadRecords = 0
    private var cctx: OpaquePointer?
    private let level: Int32
    public private(set) var recordCount = 0
    public private(set) var chunkCount = 0
    public private(set) var bytesWritten = 0

    /// - Parameters:
    ///   - vocabularySize: required (> 0) when a field holds token ids; 0 otherwise.
    ///   - chunkBytes: a chunk is written when this many payload bytes are buffered.
    public init(output: OutputFile, kind: StreamKind, fields: [Field], vocabularySize: Int,
                provenance: Provenance, compression: Compression = .none, zstdLevel: Int = 3,
                chunkBytes: Int = 1 << 20) throws {
        precondition(!fields.isEmpty && fields.count <= Layout.maxFields, "1...16 fields")
        precondition(vocabularySize >= 0 && vocabularySize <= Int(UInt32.max))
        precondition(!fields.contains { $0.isTokenIDs } || vocabularySize > 0,
                     "token fields need a vocabulary size")
        header = StreamHeader(kind: kind, version: Int(Layout.version), compression: compression,
                              vocabularySize: vocabularySize, fields: fields, provenance: provenance)
        self.output = output
        self.chunkBytes = max(1, chunkBytes)
        self.level = Int32(zstdLevel)
        if compression == .zstd { cctx = ZSTD_createCCtx() }
        try write(RecordWriter.encodeHeader(header))
    }

    /// Creates `path` (or stdout for "-") through an OutputFile.
    public convenience init(path: String, kind: StreamKind, fields: [Field], vocabularySize: Int,
                            provenance: Provenance, compression: Compression = .none) throws {
        try self.init(output: try OutputFile(path), kind: kind, fields: fields,
                      vocabularySize: vocabularySize, provenance: provenance, compression: compression)
    }

    deinit { if let cctx { ZSTD_freeCCtx(cctx) } }

    static func encodeHeader(_ h: StreamHeader) -> [UInt8] {
        var b = h.kind.magic
        b.appendLE(Layout.version)
        b.appendLE(h.compression == .zstd ? Layout.flagZstd : 0)
        b.appendLE(UInt32(h.vocabularySize))
        b.append(UInt8(h.fields.count))
        for f in h.fields {
            let name = Array(f.name.utf8)
            precondition(!name.isEmpty && name.count <= 64, "field names are 1...64 bytes")
            b.append(f.dtype.rawValue)
            b.append(f.isTokenIDs ? 1 : 0)
            b.append(UInt8(name.count))
            b.append(contentsOf: name)
        }
        let json = CanonicalJSON.encode(h.provenance)
        precondition(json.count <= Layout.maxProvenanceBytes, "provenance over 1 MiB")
        b.appendLE(UInt32(json.count))
        b.append(contentsOf: json)
        b.appendLE(CRC32C.checksum(b))
        return b
    }

    private func write(_ bytes: [UInt8]) throws {
        try output.write(bytes)
        bytesWritten += bytes.count
    }

    /// Appends one record: one column per field, in the header's order.
    public func append(_ record: [Column]) throws {
        guard record.count == header.fields.count else {
            throw ToolError(.failure, "internal: record has \(record.count) columns, stream has \(header.fields.count) fields")
        }
        for (field, column) in zip(header.fields, record) { try encode(column, as: field) }
        try recordDone()
    }

    /// Appends a record of a one-field integer stream (the common token-document case).
    public func append(ints: [Int32]) throws {
        precondition(header.fields.count == 1, "append(ints:) is for one-field streams")
        try encode(ints, as: header.fields[0])
        try recordDone()
    }

    private func recordDone() throws {
        payloadRecords += 1
        recordCount += 1
        if payload.count >= chunkBytes { try flush() }
    }

    private func encode(_ column: Column, as field: Field) throws {
        switch column {
        case .ints(let v): try encode(v, as: field)
        case .floats(let v):
            guard field.dtype == .f32 else {
                throw ToolError(.failure, "internal: float values for \(field.dtype) field \(field.name)")
            }
            payload.appendLE(UInt32(v.count))
            for x in v { payload.appendLE(x.bitPattern) }
        }
    }

    private func encode(_ v: [Int32], as field: Field) throws {
        let range: ClosedRange<Int64>
        switch field.dtype {
        case .u8: range = 0...255
        case .u16: range = 0...65535
        case .u32: range = 0...Int64(Int32.max)
        case .i32: range = Int64(Int32.min)...Int64(Int32.max)
        case .f32: throw ToolError(.failure, "internal: integer values for f32 field \(field.name)")
        }
        let upper = field.isTokenIDs ? min(range.upperBound, Int64(header.vocabularySize) - 1) : range.upperBound
        payload.appendLE(UInt32(v.count))
        let start = payload.count
        payload.append(contentsOf: repeatElement(0, count: v.count * field.dtype.size))
        var bad: Int32? = nil
        payload.withUnsafeMutableBytes { raw in
            let out = raw.baseAddress! + start
            v.withUnsafeBufferPointer { src in
                let lo = range.lowerBound
                for (i, x) in src.enumerated() {
                    let w = Int64(x)
                    if w < lo || w > upper { bad = x; break }
                    switch field.dtype {
                    case .u8: out.storeBytes(of: UInt8(truncatingIfNeeded: x), toByteOffset: i, as: UInt8.self)
                    case .u16: out.storeBytes(of: UInt16(truncatingIfNeeded: x).littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                    default: out.storeBytes(of: x.littleEndian, toByteOffset: 4 * i, as: Int32.self)
                    }
                }
            }
        }
        if let bad {
            throw ToolError(.failure, "internal: value \(bad) does not fit field \(field.name) (\(field.dtype), vocabulary \(header.vocabularySize))")
        }
    }

    /// Writes the buffered records as one chunk now (e.g. to keep a pipe moving).
    public func flush() throws {
        guard payloadRecords > 0 else { return }
        guard payload.count <= Layout.maxChunkBytes else {
            throw ToolError(.failure, "internal: one chunk over 1 GiB; write smaller records")
        }
        var stored = payload
        if let cctx {
            let bound = ZSTD_compressBound(payload.count)
            var out = [UInt8](repeating: 0, count: bound)
            let n = out.withUnsafeMutableBytes { o in
                payload.withUnsafeBytes { p in
                    ZSTD_compressCCtx(cctx, o.baseAddress, bound, p.baseAddress, p.count, level)
                }
            }
            if ZSTD_isError(n) != 0 {
                throw ToolError(.failure, "zstd compression failed: \(String(cString: ZSTD_getErrorName(n)))")
            }
            out.removeLast(bound - n)
            stored = out
        }
        var frame = Layout.chunkTag
        frame.appendLE(UInt32(payloadRecords))
        frame.appendLE(UInt32(payload.count))
        frame.appendLE(UInt32(stored.count))
        frame.appendLE(CRC32C.checksum(payload))
        frame.appendLE(CRC32C.checksum(frame))
        frame.append(contentsOf: stored)
        try write(frame)
        chunkCount += 1
        payload.removeAll(keepingCapacity: true)
        payloadRecords = 0
    }

    /// Writes the last chunk and the end frame, then renames the file into place.
    public func finish(_ closing: Closing = Closing()) throws {
        try flush()
        var end = Layout.endTag
        end.appendLE(UInt64(recordCount))
        end.appendLE(UInt64(chunkCount))
        let json = CanonicalJSON.encode(closing)
        end.appendLE(UInt32(json.count))
        end.append(contentsOf: json)
        end.appendLE(CRC32C.checksum(end))
        try write(end)
        try output.commit()
    }

    /// Abandons the stream: the temporary file is removed, nothing is left behind.
    public func discard() { output.discard() }
}

// MARK: - Reading

/// Reads and validates a stream written by RecordWriter, from a path or stdin ("-").
/// Every problem is a ToolError.badInput (exit 65) naming the file, the problem and the fix.
public final class RecordReader {
    public let header: StreamHeader
    public let name: String
    private let reader: BufferedReader
    private var records: [[Column]] = []
    private var nextIndex = 0
    private var dctx: OpaquePointer?
    public private(set) var recordsRead = 0
    public private(set) var chunksRead = 0
    /// The end frame's block, once `next()` has returned nil.
    public private(set) var closing: Closing?

    public convenience init(path: String, expecting kind: StreamKind) throws {
        try self.init(source: try FileSource(path: path), expecting: kind)
    }

    public init(source: ByteSource, expecting kind: StreamKind) throws {
        reader = BufferedReader(source)
        name = source.name
        header = try RecordReader.readHeader(reader, expecting: kind)
        if header.compression == .zstd { dctx = ZSTD_createDCtx() }
    }

    deinit { if let dctx { ZSTD_freeDCtx(dctx) } }

    private func bad(_ problem: String, fix: String? = nil) -> ToolError {
        ToolError.badInput(name, problem, fix: fix)
    }

    private static func readHeader(_ r: BufferedReader, expecting kind: StreamKind) throws -> StreamHeader {
        let name = r.name
        func bad(_ p: String, fix: String? = nil) -> ToolError { ToolError.badInput(name, p, fix: fix) }
        let regenerate = "regenerate it with `\(kind.producedBy)`"
        var partial = 0
        let magic = try r.peek(8)
        if magic.count < 8 {
            throw bad(magic.isEmpty ? "is empty, not a \(kind.description)" : "too short for a \(kind.description) header (truncated or still being written)",
                      fix: regenerate)
        }
        if magic != kind.magic {
            if let other = StreamKind.known.first(where: { $0.magic == magic }) {
                throw bad("is a \(other.description), not a \(kind.description)",
                          fix: "pass a file made by `\(kind.producedBy)`")
            }
            let looksText = magic.first == UInt8(ascii: "{") || magic.allSatisfy { $0 >= 9 && $0 < 128 }
            throw bad("not a \(kind.description) (wrong magic)",
                      fix: looksText ? "this looks like text: make it with `\(kind.pipelineFromText)`" : regenerate)
        }
        guard let fixed = try r.read(exactly: 17, partial: &partial) else {
            throw bad("header truncated (or still being written)", fix: regenerate)
        }
        var all = fixed
        let version = leValue(fixed, 8, as: UInt16.self)
        if version > Layout.version {
            throw bad("written by a newer format version \(version) (this build reads up to \(Layout.version))",
                      fix: "update birdie to the version that wrote it, or regenerate the file with this build")
        }
        if version == 0 { throw bad("invalid format version 0", fix: regenerate) }
        let flags = leValue(fixed, 10, as: UInt16.self)
        if flags & ~Layout.flagZstd != 0 {
            throw bad("unknown header flags 0x\(String(flags, radix: 16)) (newer writer?)",
                      fix: "update birdie, or regenerate the file with this build")
        }
        let vocab = Int(leValue(fixed, 12, as: UInt32.self))
        let fieldCount = Int(fixed[16])
        guard (1...Layout.maxFields).contains(fieldCount) else {
            throw bad("corrupt header: \(fieldCount) fields", fix: regenerate)
        }
        var fields: [Field] = []
        for _ in 0..<fieldCount {
            guard let d = try r.read(exactly: 3, partial: &partial) else {
                throw bad("header truncated (or still being written)", fix: regenerate)
            }
            all += d
            guard let dtype = DType(rawValue: d[0]), d[1] <= 1, (1...64).contains(d[2]) else {
                throw bad("corrupt header: bad field descriptor", fix: regenerate)
            }
            guard let nameBytes = try r.read(exactly: Int(d[2]), partial: &partial) else {
                throw bad("header truncated (or still being written)", fix: regenerate)
            }
            all += nameBytes
            let isToken = d[1] == 1
            if isToken && (vocab == 0 || dtype == .f32 || dtype == .i32) {
                throw bad("corrupt header: token field without a vocabulary", fix: regenerate)
            }
            fields.append(Field(String(decoding: nameBytes, as: UTF8.self), dtype, isTokenIDs: isToken))
        }
        guard let lenBytes = try r.read(exactly: 4, partial: &partial) else {
            throw bad("header truncated (or still being written)", fix: regenerate)
        }
        all += lenBytes
        let jsonLength = Int(leValue(lenBytes, 0, as: UInt32.self))
        guard jsonLength <= Layout.maxProvenanceBytes else {
            throw bad("corrupt header: provenance of \(jsonLength) bytes", fix: regenerate)
        }
        guard let json = try r.read(exactly: jsonLength, partial: &partial),
              let crcBytes = try r.read(exactly: 4, partial: &partial) else {
            throw bad("header truncated (or still being written)", fix: regenerate)
        }
        all += json
        guard CRC32C.checksum(all) == leValue(crcBytes, 0, as: UInt32.self) else {
            throw bad("header checksum mismatch (corrupt file)", fix: regenerate)
        }
        guard let provenance = try? JSONDecoder().decode(Provenance.self, from: Data(json)) else {
            throw bad("corrupt header: provenance is not valid JSON", fix: regenerate)
        }
        return StreamHeader(kind: kind, version: Int(version),
                            compression: flags & Layout.flagZstd != 0 ? .zstd : .none,
                            vocabularySize: vocab, fields: fields, provenance: provenance)
    }

    /// Checks the fields are what the caller expects (names and token-ness; dtypes may vary).
    public func require(fields names: [String]) throws {
        let have = header.fields.map(\.name)
        guard have == names else {
            throw bad("has fields \(have), expected \(names)",
                      fix: "regenerate it with `\(header.kind.producedBy)` from this build")
        }
    }

    /// The next record (one column per field), or nil after the end frame.
    public func next() throws -> [Column]? {
        while nextIndex == records.count {
            records.removeAll(keepingCapacity: true)
            nextIndex = 0
            if closing != nil { return nil }
            try readFrame()
        }
        let r = records[nextIndex]
        records[nextIndex] = []
        nextIndex += 1
        recordsRead += 1
        return r
    }

    private var stillBeingWritten: String {
        "stops after \(recordsRead + records.count) records without an end frame: truncated or still being written"
    }
    private var rerun: String { "wait for the writer to finish, or rerun `\(header.kind.producedBy)`" }

    private func readFrame() throws {
        var partial = 0
        guard let head = try reader.read(exactly: 4, partial: &partial) else {
            throw bad(stillBeingWritten, fix: rerun)
        }
        if head == Layout.endTag { return try readEnd(head) }
        guard head == Layout.chunkTag else {
            throw bad("corrupt: unexpected bytes where chunk \(chunksRead) should start", fix: rerun)
        }
        guard let rest = try reader.read(exactly: Layout.chunkHeaderBytes - 4, partial: &partial) else {
            throw bad("ends inside chunk \(chunksRead)'s frame header: truncated or still being written", fix: rerun)
        }
        let frame = head + rest
        guard CRC32C.checksum(frame[0..<20]) == leValue(frame, 20, as: UInt32.self) else {
            throw bad("chunk \(chunksRead): frame header checksum mismatch (corrupt file)", fix: rerun)
        }
        let count = Int(leValue(frame, 4, as: UInt32.self))
        let rawLength = Int(leValue(frame, 8, as: UInt32.self))
        let storedLength = Int(leValue(frame, 12, as: UInt32.self))
        let crc = leValue(frame, 16, as: UInt32.self)
        guard count > 0, rawLength <= Layout.maxChunkBytes,
              header.compression == .zstd ? storedLength <= ZSTD_compressBound(rawLength) : storedLength == rawLength else {
            throw bad("chunk \(chunksRead): impossible sizes (corrupt file)", fix: rerun)
        }
        guard let stored = try reader.read(exactly: storedLength, partial: &partial) else {
            throw bad("ends inside chunk \(chunksRead) (\(partial) of \(storedLength) bytes): truncated or still being written",
                      fix: rerun)
        }
        var payload = stored
        if let dctx {
            // The zstd frame states its content size; a chunk claiming another raw length is
            // refused before the raw length (up to 1 GiB) is allocated.
            let declared = stored.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
            guard declared == UInt64(rawLength) else {
                throw bad("chunk \(chunksRead): zstd payload does not decompress to the chunk's \(rawLength) bytes (corrupt file)", fix: rerun)
            }
            payload = [UInt8](repeating: 0, count: rawLength)
            let n = payload.withUnsafeMutableBytes { o in
                stored.withUnsafeBytes { s in ZSTD_decompressDCtx(dctx, o.baseAddress, rawLength, s.baseAddress, s.count) }
            }
            guard ZSTD_isError(n) == 0, n == rawLength else {
                throw bad("chunk \(chunksRead): zstd payload does not decompress (corrupt file)", fix: rerun)
            }
        }
        guard CRC32C.checksum(payload) == crc else {
            throw bad("chunk \(chunksRead): payload checksum mismatch (corrupt file)", fix: rerun)
        }
        try decode(payload, count: count)
        chunksRead += 1
    }

    private func decode(_ payload: [UInt8], count: Int) throws {
        let vocab = Int64(header.vocabularySize)
        let fields = header.fields
        var problem: String? = nil
        payload.withUnsafeBytes { p in
            var at = 0
            outer: for r in 0..<count {
                var record: [Column] = []
                record.reserveCapacity(fields.count)
                for f in fields {
                    guard at + 4 <= p.count else { problem = "record \(r) runs past the chunk"; break outer }
                    let n = Int(p.le(at, as: UInt32.self))
                    at += 4
                    guard n <= (p.count - at) / f.dtype.size else { problem = "record \(r) runs past the chunk"; break outer }
                    let base = at
                    at += n * f.dtype.size
                    if f.dtype == .f32 {
                        record.append(.floats((0..<n).map { Float(bitPattern: p.le(base + 4 * $0, as: UInt32.self)) }))
                        continue
                    }
                    var bad: Int64? = nil
                    let values = [Int32](unsafeUninitializedCapacity: n) { out, done in
                        switch f.dtype {
                        case .u8: for i in 0..<n { out[i] = Int32(p[base + i]) }
                        case .u16: for i in 0..<n { out[i] = Int32(p.le(base + 2 * i, as: UInt16.self)) }
                        case .u32:
                            for i in 0..<n {
                                let x = p.le(base + 4 * i, as: UInt32.self)
                                if x > UInt32(Int32.max) { bad = Int64(x) }
                                out[i] = Int32(truncatingIfNeeded: x)
                            }
                        default: for i in 0..<n { out[i] = p.le(base + 4 * i, as: Int32.self) }
                        }
                        done = n
                    }
                    if f.isTokenIDs, bad == nil, let big = values.first(where: { Int64($0) >= vocab }) { bad = Int64(big) }
                    if let bad {
                        problem = "record \(recordsRead + r), field \(f.name): value \(bad) is outside the vocabulary of \(vocab) tokens"
                        break outer
                    }
                    record.append(.ints(values))
                }
                records.append(record)
            }
            if problem == nil && at != p.count { problem = "chunk has \(p.count - at) bytes after its last record" }
        }
        if let problem { throw bad("chunk \(chunksRead): \(problem) (corrupt file)", fix: rerun) }
    }

    private func readEnd(_ head: [UInt8]) throws {
        var partial = 0
        guard let fixed = try reader.read(exactly: 20, partial: &partial) else {
            throw bad("ends inside the end frame: truncated or still being written", fix: rerun)
        }
        let totalRecords = leValue(fixed, 0, as: UInt64.self)
        let totalChunks = leValue(fixed, 8, as: UInt64.self)
        let jsonLength = Int(leValue(fixed, 16, as: UInt32.self))
        guard jsonLength <= Layout.maxProvenanceBytes * 16,
              let json = try reader.read(exactly: jsonLength, partial: &partial),
              let crcBytes = try reader.read(exactly: 4, partial: &partial) else {
            throw bad("ends inside the end frame: truncated or still being written", fix: rerun)
        }
        guard CRC32C.checksum(head + fixed + json) == leValue(crcBytes, 0, as: UInt32.self) else {
            throw bad("end frame checksum mismatch (corrupt file)", fix: rerun)
        }
        guard totalRecords == UInt64(recordsRead + records.count), totalChunks == UInt64(chunksRead) else {
            throw bad("end frame counts \(totalRecords) records in \(totalChunks) chunks, the file has \(recordsRead + records.count) in \(chunksRead) (corrupt file)",
                      fix: rerun)
        }
        guard let c = try? JSONDecoder().decode(Closing.self, from: Data(json)) else {
            throw bad("end frame block is not valid JSON (corrupt file)", fix: rerun)
        }
        guard try reader.isAtEnd() else {
            throw bad("has bytes after the end frame (two files concatenated?)", fix: "pass the files separately")
        }
        closing = c
    }
}
