import Foundation

/// What a task's scoring produces: one TSV row per item and a JSON summary.
public struct ScoreReport {
    public var columns: [String]
    public var rows: [[String]] = []
    public var summary: [String: JSONValue] = [:]

    public init(columns: [String]) { self.columns = columns }

    /// Header line, then one line per item; tabs, newlines and backslashes in text are escaped.
    public var tsv: Data {
        var out = columns.joined(separator: "\t") + "\n"
        for row in rows { out += row.map(ScoreReport.escape).joined(separator: "\t") + "\n" }
        return Data(out.utf8)
    }

    /// The summary as one JSON object, keys sorted, with a final newline.
    public var summaryJSON: Data { Data((JSONValue.object(summary).json + "\n").utf8) }

    static func escape(_ field: String) -> String {
        var out = ""
        for c in field.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

/// A small JSON value with a deterministic rendering (sorted keys, numbers with 6 decimals).
public enum JSONValue: Equatable {
    case int(Int), double(Double), string(String), bool(Bool), array([JSONValue]), object([String: JSONValue])

    public var json: String {
        switch self {
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? String(format: "%.6f", d) : "null"
        case .bool(let b): return b ? "true" : "false"
        case .string(let s):
            let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        case .array(let a): return "[" + a.map(\.json).joined(separator: ", ") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { JSONValue.string($0).json + ": " + o[$0]!.json }.joined(separator: ", ") + "}"
        }
    }
}

/// A fraction, 0 for nothing counted.
func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
func ratio(_ a: Double, _ b: Int) -> Double { b == 0 ? 0 : a / Double(b) }
