import Foundation
import ToolSupport

/// Task files are JSON Lines: one object per line. Reading is strict (every line must decode) so a
/// damaged file fails with its name and line number rather than silently losing items.
public enum JSONLines {
    /// Decodes every non-blank line of `data` (named `file` in errors) as `T`.
    /// `check` returns what is wrong with a decoded item (nil: nothing), refused with its line.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String,
                                            check: ((T) -> String?)? = nil) throws -> [T] {
        let decoder = JSONDecoder()
        var items: [T] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let item: T
            do {
                item = try decoder.decode(T.self, from: Data(line))
            } catch {
                throw ToolError.badInput(file, "line \(lineNumber): \(describe(error))",
                                         fix: "each line must be one JSON object with the fields of \(T.self)")
            }
            if let problem = check?(item) {
                throw ToolError.badInput(file, "line \(lineNumber): \(problem)", fix: "fix the line, or make the file again with the tool that made it")
            }
            items.append(item)
        }
        guard !items.isEmpty else {
            throw ToolError.badInput(file, "no items (the file is empty)", fix: "check the file or the command that made it")
        }
        return items
    }

    /// Reads `path` (`-` is stdin) and decodes it.
    public static func read<T: Decodable>(_ type: T.Type, path: String, check: ((T) -> String?)? = nil) throws -> [T] {
        try decode(type, from: readInput(path), file: path == "-" ? "<stdin>" : path, check: check)
    }

    /// One line per item, keys sorted, so the same items give the same bytes.
    public static func encode<T: Encodable>(_ items: [T]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        for item in items {
            out.append(try encoder.encode(item))
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing field \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "field \"\(path)\" has the wrong type"
        case DecodingError.dataCorrupted: return "not valid JSON"
        default: return "\(error)"
        }
    }
}

/// The bytes of `path`, or of stdin for `-`; a missing file is bad input (exit 65).
public func readInput(_ path: String) throws -> Data {
    if path == "-" { return try StandardStreams.readAll() }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ToolError.badInput(path, "cannot read the file", fix: "check the path")
    }
    return data
}
