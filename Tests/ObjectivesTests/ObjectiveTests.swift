import Foundation
import Formats
import ToolSupport
import Testing
import Vocabulary
@testable import Objectives
import Randomness

@Suite struct ObjectiveTests {
    /// docs/METHOD.md 8: the reference's next-token prediction put the text in the input (copying).
    @Test func nextTokenInputHoldsNoText() throws {
        let grid = try Grid.resolve("clm")
        var gen = try SampleGenerator(mixture: Mixture.starting(grid), rowLength: 256, seed: 3)
        var docs = [makeText(5000, seed: 1)].makeIterator()
        var seen = 0
        while let s = gen.next(from: &docs) {
            #expect(s.input == [SpecialToken.paradigmNextToken.rawValue])
            #expect(s.target.allSatisfy(isText))
            seen += 1
        }
        #expect(seen >= 19)
    }

    /// docs/METHOD.md 8: the reference split prefix-LM at a fixed point.
    @Test func prefixLMSplitIsRandomWithinBoundsAndVariesWithTheSeed() {
        for n in [8, 9, 10, 17, 100, 2047] {
            let text = makeText(n, seed: UInt64(n))
            var splits = Set<Int>()
            for seed in UInt64(0)..<64 {
                var rng = Xoshiro256StarStar(seed: seed)
                let (input, target) = Objective.prefixLM.apply(to: text[...], rng: &rng)
                #expect(input + target == text)
                #expect(input.count >= max(4, (n + 1) / 2) && input.count <= n - 4, "n=\(n) k=\(input.count)")
                #expect(target.count >= 4)
                splits.insert(input.count)
            }
            let possible = n - 4 - max(4, (n + 1) / 2) + 1
            #expect(splits.count >= min(possible, 20), "n=\(n): only \(splits.count) distinct splits")
        }
    }

    /// Token level (docs/METHOD.md 8: the reference shuffled characters and re-tokenised).
    @Test func deshufflingMovesExactlyTheRequestedFraction() {
        for n in sweepLengths where n >= 4 {
            for fraction in [0.25, 0.5, 1.0] {
                for seed in UInt64(0)..<8 {
                    let text = makeText(n, seed: seed, distinct: true)
                    var rng = Xoshiro256StarStar(seed: seed)
                    let (input, target) = Objective.deshuffling(fraction: fraction).apply(to: text[...], rng: &rng)
                    #expect(target == text)
                    #expect(input.sorted() == text.sorted(), "a permutation of the tokens")
                    let moved = zip(input, text).filter { $0 != $1 }.count
                    let m = Int((Double(n) * fraction).rounded())
                    #expect(moved == (m >= 2 ? m : 0), "n=\(n) fraction \(fraction): moved \(moved), wanted \(m)")
                }
            }
        }
    }

    @Test func copyingCopies() {
        let text = makeText(300, seed: 2)
        var rng = Xoshiro256StarStar(seed: 1)
        let (input, target) = Objective.copying.apply(to: text[...], rng: &rng)
        #expect(input == text && target == text)
    }

    @Test func sameSeedSameSamplesOtherSeedOtherSamples() throws {
        let mixture = try Mixture.resolve("birdie")
        func run(_ seed: UInt64) throws -> [ObjectiveSample] {
            var gen = try SampleGenerator(mixture: mixture, rowLength: 1024, seed: seed)
            var docs = (0..<40).map { makeText(3000, seed: UInt64($0)) }.makeIterator()
            var out = [ObjectiveSample]()
            while let s = gen.next(from: &docs) { out.append(s) }
            return out
        }
        let a = try run(5), b = try run(5), c = try run(6)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func paradigmPlacement() throws {
        let mixture = try Mixture.resolve("light")
        var gen = try SampleGenerator(mixture: mixture, rowLength: 1024, seed: 9, placement: .appendHalf)
        var docs = (0..<30).map { makeText(2000, seed: UInt64($0)) }.makeIterator()
        var first = 0, last = 0
        while let s = gen.next(from: &docs) {
            let p = mixture.grid.configurations[s.configuration].paradigm
            #expect(s.input.filter { $0 == p }.count == 1)
            if s.input.first == p { first += 1 } else if s.input.last == p { last += 1 }
        }
        #expect(first > 10 && last > 10, "prepended \(first), appended \(last)")
    }
}

/// A reserved id in a token document names the document and token counted from 0, like
/// `tokenize decode` and the Python reader.
@Suite struct DocumentErrorTests {
    @Test func reservedIdsAreNamedFromZero() throws {
        let path = NSTemporaryDirectory() + "docs-\(UUID().uuidString).tok"
        let writer = try TokenDocumentWriter(path: path, vocabularySize: 600, provenance: Provenance(tool: "test"))
        try writer.append([300, 301, 302])
        try writer.append([300, 301, Int32(SpecialToken.eos.rawValue)])
        try writer.finish()
        var documents = TokenDocumentIterator(try TokenDocumentReader(path: path))
        while documents.next() != nil {}
        let message = (documents.error as? ToolError)?.message ?? ""
        #expect(message.contains("document 1, token 2:"), "\(message)")
    }
}
