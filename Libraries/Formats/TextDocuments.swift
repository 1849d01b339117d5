import ToolSupport

/// How a text input is split into documents.
public enum TextFormat: String, Sendable, CaseIterable {
    /// From the name: .jsonl/.json(.zst) is jsonl, anything else txt; stdin: jsonl if it starts with '{'.
    case auto
    /// Documents separated by one or more blank lines (empty or "\r" only).
    case txt
    /// One JSON object per line; the document is one string field (default "text").
    case jsonl
    /// The whole input is one document, byte for byte.
    case raw
}

/// Reads documents (as bytes) from a .txt, .jsonl or .jsonl.zst file, or stdin ("-"). Any input
/// that starts with the zstd magic is decompressed as it streams, whatever its name.
public final class TextDocumentReader {
    public let path: String
    public let format: TextFormat
    public let compressed: Bool
    private let file: FileSource
    private let reader: BufferedReader
    private let field: [UInt8]
    private var line = 0
    private var done = false
    public private(set) var documentsRead = 0

    public init(path: String, format: TextFormat = .auto, field: String = "text") throws {
        self.path = path
        self.field = Array(field.utf8)
        file = try FileSource(path: path)
        let sniff = BufferedReader(file, capacity: 1 << 16)
        compressed = try sniff.peek(4) == [0x28, 0xB5, 0x2F, 0xFD]
        let lower = path.lowercased()
        let name = lower.hasSuffix(".zst") ? String(lower.dropLast(4)) : lower
        if compressed {
            reader = BufferedReader(ZstdSource(PrefixedSource(sniff)))
        } else {
            reader = sniff
        }
        if format != .auto {
            self.format = format
        } else if name.hasSuffix(".jsonl") || name.hasSuffix(".json") || name.hasSuffix(".ndjson") {
            self.format = .jsonl
        } else if path == "-" {
            let head = try reader.peek(64).first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
            self.format = head == UInt8(ascii: "{") ? .jsonl : .txt
        } else {
            self.format = .txt
        }
    }

    public var name: String { file.name }
    /// Bytes of the file read so far (compressed bytes for .zst).
    public var bytesRead: Int { file.bytesRead }
    /// Size and CRC-32C of the file as read; complete once `next()` returned nil.
    public var inputChecksum: InputChecksum {
        InputChecksum(path: path, bytes: file.bytesRead, crc32c: file.checksum.value)
    }

    /// The next document's bytes, or nil at the end of the input.
    public func next() throws -> [UInt8]? {
        guard !done else { return nil }
        let doc: [UInt8]?
        switch format {
        case .txt, .auto: doc = try nextParagraph()
        case .jsonl: doc = try nextJSONLine()
        case .raw: doc = try wholeInput()
        }
        if doc == nil { done = true } else { documentsRead += 1 }
        return doc
    }

    private static func isBlank(_ l: UnsafeRawBufferPointer) -> Bool {
        l.isEmpty || (l.count == 1 && l[0] == 0x0D)
    }

    private func nextParagraph() throws -> [UInt8]? {
        var doc: [UInt8] = []
        var lines = 0
        while true {
            let ended = try reader.nextLine { l -> Bool in
                if TextDocumentReader.isBlank(l) { return lines > 0 }
                if lines > 0 { doc.append(0x0A) }
                // The line terminator is "\n" or "\r\n"; a document keeps its inner "\r"s.
                doc.append(contentsOf: l)
                lines += 1
                return false
            }
            guard let ended else { break }
            if ended { break }
        }
        guard lines > 0 else { return nil }
        // Drop the "\r" of a CRLF line ending the document (inner CRLFs stay as they are).
        if doc.last == 0x0D { doc.removeLast() }
        return doc
    }

    private func nextJSONLine() throws -> [UInt8]? {
        while true {
            line += 1
            let number = line
            // The outer nil is the end of input, the inner nil a blank line (skipped).
            let result = try reader.nextLine { l -> [UInt8]? in
                if l.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
                do {
                    guard let text = try JSONLine.extract(field, from: l) else {
                        throw ToolError.badInput(name, "line \(number): no string field \"\(String(decoding: field, as: UTF8.self))\"",
                                                 fix: "name the field with --text-field")
                    }
                    return text
                } catch JSONLine.Failure.invalid(let why) {
                    throw ToolError.badInput(name, "line \(number): invalid JSON (\(why))",
                                             fix: "fix or remove that line (one JSON object per line)")
                }
            }
            switch result {
            case .none: return nil
            case .some(.none): continue
            case .some(.some(let text)): return text
            }
        }
    }

    private func wholeInput() throws -> [UInt8]? {
        guard documentsRead == 0 else { return nil }
        var doc: [UInt8] = []
        while let part = try reader.nextLine({ Array($0) }) {
            doc += part
            doc.append(0x0A)
        }
        // nextLine cannot tell whether the last line had a "\n": ask the byte count.
        if doc.count > reader.consumed { doc.removeLast() }
        return doc
    }
}

/// Replays what a BufferedReader has buffered, then the rest of its source (after a sniff).
final class PrefixedSource: ByteSource {
    private let reader: BufferedReader
    init(_ reader: BufferedReader) { self.reader = reader }
    var name: String { reader.name }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var partial = 0
        if let b = try reader.read(exactly: min(buffer.count, 1 << 16), partial: &partial) {
            b.withUnsafeBytes { buffer.copyMemory(from: $0) }
            return b.count
        }
        guard partial > 0, let b = try reader.read(exactly: partial, partial: &partial) else { return 0 }
        b.withUnsafeBytes { buffer.copyMemory(from: $0) }
        return b.count
    }
}
