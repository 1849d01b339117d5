import Foundation
import ToolSupport

/// What a task's scoring produces: one TSV row per item and a JSON summary.
public struct ScoreReport {
    public var columns: [String]
    public var rows: [[String]] = []
    public var summary: [String: JSON] = [:]

    public init(columns: [String]) { self.columns = columns }

    /// Header line, then one line per item; tabs, newlines and backslashes in text are escaped.
    public var tsv: Data {
        var out = columns.joined(separator: "\t") + "\n"
        for row in rows { out += row.map(ScoreReport.escape).joined(separator: "\t") + "\n" }
        return Data(out.utf8)
    }

    /// The summary as one JSON object, keys sorted, numbers with 6 decimals, with a final newline.
    public var summaryJSON: Data { Data((JSON.sorted(summary).text(spaced: true, numbers: .fixed(6)) + "\n").utf8) }

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

/// A fraction, 0 for nothing counted.
func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
func ratio(_ a: Double, _ b: Int) -> Double { b == 0 ? 0 : a / Double(b) }
