import Foundation
import Testing
import ToolSupport
import Formats
import Objectives
import Vocabulary
@testable import Packing
import Randomness

/// Document i has tokens 160 + (t * stride + i) % alphabet.
private func textDocuments(_ lengths: [Int], stride: Int, alphabet: Int) -> [[TokenID]] {
    var out = [[TokenID]]()
    for (i, n) in lengths.enumerated() {
        var document = [TokenID]()
        for t in 0..<n { document.append(TokenID(160 + (t * stride + i) % alphabet)) }
        out.append(document)
    }
    return out
}

private let START = SpecialToken.start.rawValue, PAD = SpecialToken.pad.rawValue, NONE = PackedRow.noLabel

@Suite struct PackingTests {
    /// docs/METHOD.md 2, table: input (N) then START then target[0..M-2]; labels shifted; segments 1, 2,
    /// padding 0 on the right; regions prefix / causal / pad.
    @Test func goldenExampleOfTheMethod() {
        let a = ObjectiveSample(configuration: 3, input: [8, 200, 201], target: [300, 301])
        let b = ObjectiveSample(configuration: 5, input: [4, 202], target: [302, 303, 304])
        var packer = Packer(rowLength: 12, window: 1)
        #expect(packer.add(a).isEmpty && packer.add(b).isEmpty)
        let rows = packer.finish()
        #expect(rows.count == 1)
        let row = rows[0]
        #expect(row.tokens == [8, 200, 201, START, 300, 4, 202, START, 302, 303, PAD, PAD])
        #expect(row.labels == [NONE, NONE, NONE, 300, 301, NONE, NONE, 302, 303, 304, NONE, NONE])
        #expect(row.segments == [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 0, 0])
        #expect(row.regions == [.prefix, .prefix, .prefix, .causal, .causal, .prefix, .prefix, .causal, .causal, .causal, .pad, .pad])
        #expect(row.segmentConfigurations == [3, 5])
        #expect(row.positionConfigurations == [3, 3, 3, 3, 3, 5, 5, 5, 5, 5, -1, -1])
        #expect(row.segmentStarts == [true, false, false, false, false, true, false, false, false, false, false, false])
        #expect(row.segmentEnds == [false, false, false, false, true, false, false, false, false, true, false, false])
        #expect(row.causal == [false, false, false, true, true, false, false, true, true, true, false, false])
        #expect(row.filled == 10)
        #expect(row.samples() == [a, b])
        #expect(packer.stats.fillRate == 10.0 / 12)
    }

    private func randomSamples(_ count: Int, maxLength: Int, seed: UInt64) -> [ObjectiveSample] {
        var rng = Xoshiro256StarStar(seed: seed)
        return (0..<count).map { i in
            let n = rng.uniform(0...maxLength / 2), m = rng.uniform(1...maxLength / 2)
            return ObjectiveSample(configuration: i % 7,
                                   input: (0..<n).map { _ in TokenID(160 + rng.below(500)) },
                                   target: (0..<m).map { _ in TokenID(160 + rng.below(500)) })
        }
    }

    @Test func rowsHoldEverySampleOnceWithTheLayoutInvariants() {
        for window in [1, 4, 16] {
            for rowLength in [16, 100, 512] {
                let samples = randomSamples(400, maxLength: rowLength + 8, seed: UInt64(window * rowLength))
                var packer = Packer(rowLength: rowLength, window: window)
                var rows = [PackedRow]()
                for s in samples { rows += packer.add(s) }
                rows += packer.finish()
                let fitting = samples.filter { $0.length <= rowLength }
                #expect(packer.stats.droppedSamples == samples.count - fitting.count)
                #expect(packer.stats.rows == rows.count)
                var unpacked = [ObjectiveSample]()
                for row in rows {
                    #expect(row.length == rowLength)
                    let f = row.filled
                    #expect(row.segments[f...].allSatisfy { $0 == 0 } && row.tokens[f...].allSatisfy { $0 == PAD })
                    for t in 0..<f {
                        #expect(row.segments[t] >= 1)
                        if row.regions[t] == .prefix { #expect(row.labels[t] == NONE) }
                        if row.regions[t] == .causal {
                            let first = t == 0 || row.regions[t - 1] != .causal || row.segments[t - 1] != row.segments[t]
                            #expect((row.tokens[t] == START) == first)
                            // Labels are already shifted: the label at t is the token fed at t+1.
                            if t + 1 < f && row.segments[t + 1] == row.segments[t] { #expect(row.labels[t] == row.tokens[t + 1]) }
                        }
                    }
                    unpacked += row.samples()
                }
                let key = { (s: ObjectiveSample) in [TokenID(s.configuration)] + s.input + [-7] + s.target }
                #expect(unpacked.map(key).sorted { $0.lexicographicallyPrecedes($1) } == fitting.map(key).sorted { $0.lexicographicallyPrecedes($1) })
                if window == 1 { #expect(unpacked == fitting, "greedy packing keeps arrival order") }
                #expect(packer.stats.filledPositions == fitting.map(\.length).reduce(0, +))
            }
        }
    }

    @Test func aWindowFillsRowsBetterThanGreedy() {
        let samples = randomSamples(2000, maxLength: 512, seed: 3)
        func fill(_ window: Int) -> Double {
            var packer = Packer(rowLength: 512, window: window)
            for s in samples { _ = packer.add(s) }
            _ = packer.finish()
            return packer.stats.fillRate
        }
        let greedy = fill(1), windowed = fill(8)
        #expect(windowed > greedy + 0.05, "greedy \(greedy), window 8 \(windowed)")
    }

    @Test func tooLongSamplesAreDroppedAndCounted() {
        var packer = Packer(rowLength: 10)
        #expect(packer.add(ObjectiveSample(configuration: 0, input: Array(repeating: 170, count: 6), target: Array(repeating: 171, count: 5))).isEmpty)
        #expect(packer.add(ObjectiveSample(configuration: 0, input: [170], target: [])).isEmpty)
        let full = packer.add(ObjectiveSample(configuration: 1, input: Array(repeating: 170, count: 5), target: Array(repeating: 171, count: 5)))
        #expect(full.count == 1 && full[0].filled == 10, "an exactly full row is emitted at once")
        #expect(packer.stats.droppedSamples == 2 && packer.stats.droppedTokens == 12 && packer.stats.samples == 1)
        #expect(packer.finish().isEmpty)
    }

    @Test func rowGeneratorIsDeterministicAndFollowsMixtureChanges() throws {
        let mixture = try Mixture.resolve("light")
        func rows(_ seed: UInt64) throws -> [PackedRow] {
            var gen = try RowGenerator(mixture: mixture, rowLength: 512, seed: seed)
            var docs = textDocuments(Array(repeating: 3000, count: 20), stride: 7, alphabet: 300).makeIterator()
            var out = [PackedRow]()
            while let r = gen.next(from: &docs) { out.append(r) }
            return out
        }
        let a = try rows(1), b = try rows(1), c = try rows(2)
        #expect(a == b && a != c && a.count > 50)
        let fill = Double(a.map(\.filled).reduce(0, +)) / Double(a.count * 512)
        #expect(fill > 0.9, "fill \(fill)")
    }
}

@Suite struct CheckpointTests {
    private func documents() -> IndexingIterator<[[TokenID]]> {
        textDocuments((0..<30).map { 500 + 97 * $0 }, stride: 13, alphabet: 400).makeIterator()
    }

    /// A run saved mid-way and restored (through JSON) continues with exactly the same rows.
    @Test func aRestoredRowGeneratorContinuesExactly() throws {
        let mixture = try Mixture.resolve("light")
        var original = try RowGenerator(mixture: mixture, rowLength: 512, seed: 7)
        var docs = documents()
        for _ in 0..<17 { _ = original.next(from: &docs) }
        let saved = try JSONEncoder().encode(original.state)
        var expected = [PackedRow]()
        while let row = original.next(from: &docs) { expected.append(row) }

        var restored = try RowGenerator(mixture: mixture, rowLength: 512, seed: 999)
        var again = documents()
        try restored.restore(try JSONDecoder().decode(RowGenerator.State.self, from: saved), documents: &again)
        var continued = [PackedRow]()
        while let row = restored.next(from: &again) { continued.append(row) }
        #expect(expected.count > 10 && continued == expected)
        #expect(restored.samples.counts == original.samples.counts)

        var tooShort = [[TokenID]]().makeIterator()
        #expect(throws: ToolError.self) {
            try restored.restore(try JSONDecoder().decode(RowGenerator.State.self, from: saved), documents: &tooShort)
        }
    }
}

/// Rows whose labels or configuration indices are out of range are refused when read (they would
/// index outside the logits in training), with bad input naming the file.
@Suite struct RowReaderValidationTests {
    func roundTrip(_ edit: (inout PackedRow) -> Void) throws -> Result<Void, ToolError> {
        let path = NSTemporaryDirectory() + "rows-\(UUID().uuidString).pack"
        var row = PackedRow(length: 8)
        for i in 0..<4 { row.tokens[i] = 200 + Int32(i); row.segments[i] = 1; row.regions[i] = i < 2 ? .prefix : .causal }
        row.labels[2] = 202; row.labels[3] = 203
        row.segmentConfigurations = [0]
        edit(&row)
        let writer = try RowWriter(output: try OutputFile(path), rowLength: 8, vocabularySize: 300,
                                   provenance: Provenance(tool: "test", extra: ["row-length": "8", "configurations": "[\"a\",\"b\"]"]))
        try writer.append(row)
        try writer.finish()
        do {
            let reader = try RowReader(path: path)
            while try reader.next() != nil {}
            return .success(())
        } catch let e as ToolError { return .failure(e) }
    }

    @Test func goodRowsRead() throws {
        guard case .success = try roundTrip({ _ in }) else { Issue.record("a good row was refused"); return }
    }

    @Test func configurationIndicesBeyondTheNamesAreBadInput() throws {
        guard case .failure(let e) = try roundTrip({ $0.segmentConfigurations = [7] }) else { Issue.record("accepted index 7 of 2"); return }
        #expect(e.code == .dataError && e.message.contains("configuration index 7"))
    }

    @Test(arguments: [300, 4000, -2])
    func labelsOutsideTheVocabularyAreBadInput(_ label: Int32) throws {
        guard case .failure(let e) = try roundTrip({ $0.labels[3] = label }) else { Issue.record("accepted label \(label)"); return }
        #expect(e.code == .dataError && e.message.contains("label \(label)"))
    }

    @Test func labelsOnPaddingAreBadInput() throws {
        guard case .failure(let e) = try roundTrip({ $0.labels[6] = 5 }) else { Issue.record("accepted a label on padding"); return }
        #expect(e.code == .dataError && e.message.contains("padding"))
    }
}
