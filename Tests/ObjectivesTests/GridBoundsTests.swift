import Foundation
import Testing
import ToolSupport
@testable import Objectives

/// Every number of a grid file is bounded, so the lengths computed from it fit an Int: a file past
/// a bound is bad input naming the bound, never an arithmetic trap (issue 24, item 5).
@Suite struct GridBoundsTests {
    static func grid(reference: String = "1", entry: String) -> Data {
        Data(#"{"grid": "g", "reference_row_length": \#(reference), "configurations": [\#(entry)]}"#.utf8)
    }

    static let bad: [(entry: String, reference: String, says: String)] = [
        (#"{"name": "a", "objective": "next-token", "length": [1, 100000000000000000]}"#, "1", "length"),
        (#"{"name": "a", "objective": "next-token", "length": [1, 9223372036854775807]}"#, "1", "length"),
        (#"{"name": "a", "objective": "next-token", "length": [1, 64]}"#, "9223372036854775807", "reference_row_length"),
        (#"{"name": "a", "objective": "selective-copying", "length": [64, 512], "spans": 9223372036854775807, "query": "before"}"#, "512", "spans"),
        (#"{"name": "a", "objective": "selective-copying", "length": [64, 512], "spans": 2, "span_length": [1, 9223372036854775807], "query": "before"}"#, "512", "span_length"),
        (#"{"name": "a", "objective": "selective-copying", "length": [64, 512], "spans": 2, "delimiter_length": [9223372036854775806, 9223372036854775807], "query": "after"}"#, "512", "delimiter_length"),
        (#"{"name": "a", "objective": "span-corruption", "length": [64, 512], "rate": 0.15, "mean_span": 1e300}"#, "512", "mean_span"),
    ]

    @Test(arguments: bad.indices)
    func numbersPastTheirBoundsAreBadInputNamingTheBound(_ i: Int) throws {
        let c = Self.bad[i]
        do {
            let g = try Grid.parse(Self.grid(reference: c.reference, entry: c.entry), source: "g.json")
            // Before the bounds these parsed, and the lengths below trapped.
            for configuration in g.configurations {
                _ = SampleGenerator.textLengthRange(configuration, rowLength: 2048, referenceRowLength: g.referenceRowLength)
            }
            Issue.record("parsed: \(c.entry)")
        } catch let error as ToolError {
            #expect(error.code == .dataError, "\(error)")
            #expect(error.message.contains(c.says) && (error.message.contains(String(Grid.maxLength)) || error.message.contains(String(Grid.maxSpans))),
                    "\(error.message)")
        }
    }

    @Test func theBoundsThemselvesAreAccepted() throws {
        let entry = #"{"name": "a", "objective": "selective-copying", "length": [1, \#(Grid.maxLength)], "spans": \#(Grid.maxSpans), "span_length": [1, \#(Grid.maxLength)], "delimiter_length": [1, \#(Grid.maxLength)], "query": "before"}"#
        let g = try Grid.parse(Self.grid(reference: "1", entry: entry), source: "g.json")
        for rowLength in [16, 2048, Limits.rowLength] {
            _ = SampleGenerator.textLengthRange(g.configurations[0], rowLength: rowLength, referenceRowLength: g.referenceRowLength)
        }
        let noise = #"{"name": "a", "objective": "span-corruption", "length": [1, \#(Grid.maxLength)], "rate": 0.5, "mean_span": \#(Grid.maxLength)}"#
        let n = try Grid.parse(Self.grid(reference: String(Grid.maxLength), entry: noise), source: "g.json")
        #expect(SampleGenerator.textLengthRange(n.configurations[0], rowLength: 2048, referenceRowLength: n.referenceRowLength) != nil)
    }

    /// A name from the file is quoted shortened: a 1 MB unknown configuration name does not make a
    /// 1 MB error line.
    @Test func longNamesAreShortenedInErrors() throws {
        let name = String(repeating: "n", count: 1 << 20)
        do {
            _ = try Mixture.parse(Data(#"{"grid": "light", "mixture": {"\#(name)": 1}}"#.utf8), source: "m.json")
            Issue.record("parsed")
        } catch let error as ToolError {
            #expect(error.code == .dataError && error.message.count < 400 && error.message.contains(String(repeating: "n", count: 60) + "..."),
                    "\(error.message.count) characters")
        }
        do {
            _ = try Grid.parse(Self.grid(entry: #"{"name": "\#(name)", "objective": "\#(name)", "length": [1, 2]}"#), source: "g.json")
            Issue.record("parsed")
        } catch let error as ToolError {
            #expect(error.code == .dataError && error.message.count < 400, "\(error.message.count) characters")
        }
    }
}
