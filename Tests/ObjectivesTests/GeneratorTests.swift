import Testing
import ToolSupport
import Vocabulary
@testable import Objectives
import Randomness

/// Ids each class may use besides text (and where): nothing else reserved may appear.
private func allowedSpecial(_ c: Configuration, _ t: TokenID, inTarget: Bool) -> Bool {
    switch c.objectiveClass {
    case .spanCorruption: return Vocabulary.isSentinel(t)
    case .autoencoding: return !inTarget && Vocabulary.isSentinel(t)
    case .selectiveCopying:
        let markers: [SpecialToken] = inTarget ? [.separator, .done] : [.copy, .startSpan, .endSpan, .context]
        return markers.map(\.rawValue).contains(t)
    default: return false
    }
}

@Suite struct GeneratorTests {
    /// Every configuration of every built-in grid, at several row lengths: samples fit the row, and
    /// reserved ids appear only where the objective puts them (never text, PAD, START or EOS).
    @Test func samplesFitTheRowAndSpecialIdsStayOutOfTheText() throws {
        for name in ["birdie", "ul2"] {
            let grid = try Grid.resolve(name)
            for rowLength in [256, 640, 2048] {
                for (index, c) in grid.configurations.enumerated() {
                    guard let range = SampleGenerator.textLengthRange(c, rowLength: rowLength, referenceRowLength: grid.referenceRowLength) else {
                        #expect(c.objectiveClass == .selectiveCopying && rowLength < 300, "\(c.name) infeasible at \(rowLength)")
                        continue
                    }
                    var gen = try SampleGenerator(mixture: .single(index, of: grid), rowLength: rowLength, seed: UInt64(index))
                    var docs = (0..<3).map { makeText(range.upperBound + 50, seed: UInt64($0 * 7 + index)) }.makeIterator()
                    for _ in 0..<3 {
                        guard let s = gen.next(from: &docs) else { Issue.record("\(c.name): no sample"); break }
                        #expect(s.length <= rowLength, "\(c.name) at \(rowLength): \(s.length)")
                        #expect(s.input.first == c.paradigm)
                        #expect(s.input.dropFirst().allSatisfy { isText($0) || allowedSpecial(c, $0, inTarget: false) }, "\(c.name)")
                        #expect(s.target.allSatisfy { isText($0) || allowedSpecial(c, $0, inTarget: true) }, "\(c.name)")
                    }
                }
            }
        }
    }

    /// docs/METHOD.md 8: the reference silently ignored objective parameters. Here each grid entry's
    /// parameters, read from the JSON file, show in the samples it makes.
    @Test func parametersFromTheGridReachTheSamples() throws {
        let grid = try Grid.resolve("birdie")
        var rng = Xoshiro256StarStar(seed: 1)
        for (index, c) in grid.configurations.enumerated() {
            let range = try #require(SampleGenerator.textLengthRange(c, rowLength: 2048, referenceRowLength: 2048))
            #expect(range.lowerBound == c.lengthRange.lowerBound && range.upperBound <= c.lengthRange.upperBound)
            let n = range.upperBound
            let text = makeText(n, seed: UInt64(index), distinct: true)
            var gen = try SampleGenerator(mixture: Mixture.starting(grid), rowLength: 2048, seed: UInt64(index))
            let s = gen.make(c, index: index, text: text[...])
            let body = Array(s.input.dropFirst())
            switch c.objective {
            case .spanCorruption(let p), .fullSpanCorruption(let p, _):
                let sentinels = body.filter(Vocabulary.isSentinel).count
                let noise = n - (body.count - sentinels)
                #expect(noise == Int((Double(n) * p.rate).rounded()), "\(c.name)")
                #expect(sentinels == NoiseSpans.spanCount(n: n, p))
            case .deshuffling(let f):
                #expect(zip(body, text).filter { $0 != $1 }.count == Int((Double(n) * f).rounded()), "\(c.name)")
            case .selectiveCopying(let spec):
                #expect(s.target.filter { $0 == SpecialToken.separator.rawValue || $0 == SpecialToken.done.rawValue }.count == spec.spans)
                #expect((body.first == SpecialToken.copy.rawValue) == (spec.query == .before), "\(c.name)")
            case .prefixLM, .nextToken, .copying:
                #expect(body.count + s.target.count == n + (c.objective == .copying ? n : 0))
            }
            _ = rng.next()
        }
    }

    /// docs/METHOD.md 8: one short document aborted the reference's whole run.
    @Test func shortDocumentsAreSkippedAndCountedNeverFatal() throws {
        let mixture = try Mixture.resolve("birdie")
        var gen = try SampleGenerator(mixture: mixture, rowLength: 1024, seed: 2)
        let lengths = [0, 1, 3, 2, 5000, 0, 7, 1, 900, 4, 2, 3000, 1]
        var docs = lengths.enumerated().map { makeText($0.1, seed: UInt64($0.0)) }.makeIterator()
        var samples = 0, tokens = 0
        while let s = gen.next(from: &docs) { samples += 1; tokens += s.length }
        let c = gen.counts
        #expect(samples > 5 && c.samples == samples)
        #expect(c.documents == lengths.count)
        #expect(c.skippedPieces >= 1)
        #expect(c.textTokens + c.skippedTokens == lengths.reduce(0, +), "every token used or counted as skipped")
        #expect(c.tokensPerConfiguration.reduce(0, +) == tokens)

        // Only tiny documents: no sample, no crash, everything counted.
        var tiny = try SampleGenerator(mixture: Mixture.resolve("light"), rowLength: 512, seed: 1)
        var few = [[TokenID]](repeating: makeText(3, seed: 1), count: 20).makeIterator()
        var made = 0
        while tiny.next(from: &few) != nil { made += 1 }
        #expect(tiny.counts.textTokens + tiny.counts.skippedTokens == 60)
        #expect(made == tiny.counts.samples)
    }

    @Test func theRestOfALongDocumentCarriesToTheNextSample() throws {
        let grid = try Grid.resolve("birdie")
        var gen = try SampleGenerator(mixture: .single(grid.index(of: "copy-l64-256")!, of: grid), rowLength: 2048, seed: 4)
        let doc = makeText(10_000, seed: 8)
        var docs = [doc].makeIterator()
        var joined = [TokenID]()
        var lengths = Set<Int>()
        while let s = gen.next(from: &docs) {
            joined += s.target
            lengths.insert(s.target.count)
            #expect(s.target.count <= 256)
        }
        #expect(joined == Array(doc.prefix(joined.count)))
        #expect(joined.count + gen.counts.skippedTokens == doc.count && gen.counts.skippedTokens == 0)
        #expect(lengths.count > 20, "lengths drawn from the range")
    }

    @Test func mixtureCanChangeBetweenSamplesAndRowsTooShortAreRefused() throws {
        let grid = try Grid.resolve("light")
        var gen = try SampleGenerator(mixture: Mixture.starting(grid), rowLength: 1024, seed: 3)
        var docs = (0..<100).map { makeText(2000, seed: UInt64($0)) }.makeIterator()
        try gen.setMixture(.single(grid.index(of: "copy-l64-256")!, of: grid))
        for _ in 0..<20 { #expect(gen.next(from: &docs)?.configuration == grid.index(of: "copy-l64-256")) }
        #expect(throws: ToolError.self) { try gen.setMixture(Mixture.resolve("clm")) }
        #expect(throws: ToolError.self) { try SampleGenerator(mixture: Mixture.resolve("birdie"), rowLength: 128, seed: 1) }
    }

    /// Over 10,000 samples each class's observed share is within 2 points of the commanded share.
    @Test func mixtureFidelityOverTenThousandSamples() throws {
        for name in ["birdie", "light"] {
            let mixture = try Mixture.resolve(name)
            var gen = try SampleGenerator(mixture: mixture, rowLength: 1024, seed: 11)
            var docs = AnyIterator { makeText(20_000, seed: 1) }
            for _ in 0..<10_000 { #expect(gen.next(from: &docs) != nil) }
            let c = gen.counts
            var samplesPerClass = [ObjectiveClass: Int](), tokensPerClass = [ObjectiveClass: Int]()
            for (i, k) in mixture.grid.classes.enumerated() {
                samplesPerClass[k, default: 0] += c.samplesPerConfiguration[i]
                tokensPerClass[k, default: 0] += c.tokensPerConfiguration[i]
            }
            let totalTokens = Double(c.tokensPerConfiguration.reduce(0, +))
            var report = "mixture \(name), 10,000 samples at row 1024: class commanded sample-share token-share\n"
            for (k, commanded) in mixture.classShares {
                let sampleShare = Double(samplesPerClass[k, default: 0]) / 10_000
                let tokenShare = Double(tokensPerClass[k, default: 0]) / totalTokens
                report += "  \(k.rawValue) \(String(format: "%.4f %.4f %.4f", commanded, sampleShare, tokenShare))\n"
                #expect(abs(sampleShare - commanded) <= 0.02, "\(name) \(k): \(sampleShare) vs \(commanded)")
            }
            print(report)
        }
    }
}
