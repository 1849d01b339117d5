import Testing
import Vocabulary
@testable import Objectives
import Randomness

private let noiseGrid: [SpanNoise] = [0.05, 0.15, 0.5].flatMap { r in [3.0, 8, 32, 64].map { SpanNoise(rate: r, meanSpan: $0) } }

@Suite struct SpanCorruptionTests {
    @Test func masksExactNoiseCountInExactSpansAndTargetRestoresText() {
        for n in sweepLengths {
            for p in noiseGrid {
                for seed in UInt64(0)..<6 {
                    let text = makeText(n, seed: seed)
                    var rng = Xoshiro256StarStar(seed: seed)
                    let (input, target) = Objective.spanCorruption(p).apply(to: text[...], rng: &rng)
                    let noise = min(max(Int((Double(n) * p.rate).rounded()), 1), n - 1)
                    let spans = min(max(1, Int((Double(noise) / p.meanSpan).rounded())), noise, n - noise, 128)
                    guard let targetSpans = splitBySentinels(target) else {
                        Issue.record("target sentinels out of order n=\(n) \(p)"); return
                    }
                    #expect(targetSpans.count == spans, "n=\(n) \(p) seed \(seed)")
                    #expect(targetSpans.allSatisfy { !$0.isEmpty })
                    #expect(targetSpans.map(\.count).reduce(0, +) == noise, "n=\(n) \(p)")
                    // The input's sentinels are 0, 1, 2, ... in order and each replaces one span.
                    let sentinels = input.filter(Vocabulary.isSentinel)
                    #expect(sentinels == (0..<spans).map(Vocabulary.sentinel))
                    #expect(input.first.map(isText) ?? false, "input starts with clean text")
                    var restored = [TokenID]()
                    for t in input {
                        if Vocabulary.isSentinel(t) { restored += targetSpans[Int(t - Vocabulary.sentinelBase)] } else { restored.append(t) }
                    }
                    #expect(restored == text, "n=\(n) \(p) seed \(seed)")
                    #expect(input.count + target.count == n + 2 * spans)
                    #expect(Objective.spanCorruption(p).sampleLength(textLength: n) == 1 + input.count + target.count)
                }
            }
        }
    }

    @Test func fullSpanCorruptionTargetIsTheTextAndInputMatchesSpanCorruption() {
        for n in sweepLengths {
            for p in noiseGrid {
                let text = makeText(n, seed: UInt64(n))
                var a = Xoshiro256StarStar(seed: 7), b = Xoshiro256StarStar(seed: 7)
                let sc = Objective.spanCorruption(p).apply(to: text[...], rng: &a)
                let fsc = Objective.fullSpanCorruption(p, deshuffle: false).apply(to: text[...], rng: &b)
                #expect(fsc.target == text)
                #expect(fsc.input == sc.input)
                #expect(Objective.fullSpanCorruption(p, deshuffle: false).sampleLength(textLength: n) == 1 + fsc.input.count + n)
            }
        }
    }

    /// docs/METHOD.md 8: the reference FSC-D never shuffles.
    @Test func deshufflingVariantReordersTheSamePieces() {
        var reorderedEveryTime = true
        for n in sweepLengths {
            for p in noiseGrid {
                for seed in UInt64(0)..<5 {
                    let text = makeText(n, seed: seed)
                    var a = Xoshiro256StarStar(seed: seed), b = Xoshiro256StarStar(seed: seed)
                    let fsc = Objective.fullSpanCorruption(p, deshuffle: false).apply(to: text[...], rng: &a)
                    let fscd = Objective.fullSpanCorruption(p, deshuffle: true).apply(to: text[...], rng: &b)
                    #expect(fscd.target == text)
                    #expect(fscd.input.sorted() == fsc.input.sorted(), "same multiset n=\(n) \(p)")
                    if fscd.input == fsc.input { reorderedEveryTime = false }
                    // The pieces are FSC's pieces: each sentinel is still followed by its clean text.
                    let cleanAfter = cleanTextAfterSentinels(fsc.input)
                    for (i, clean) in cleanAfter.enumerated() {
                        let at = fscd.input.firstIndex(of: Vocabulary.sentinel(i))!
                        #expect(fscd.input[(at + 1)...].starts(with: clean), "n=\(n) \(p) piece \(i)")
                    }
                }
            }
        }
        #expect(reorderedEveryTime)
    }

    /// The clean text after each sentinel of an FSC input (empty after the last).
    private func cleanTextAfterSentinels(_ input: [TokenID]) -> [[TokenID]] {
        var out = [[TokenID]]()
        for t in input {
            if Vocabulary.isSentinel(t) { out.append([]) } else if !out.isEmpty { out[out.count - 1].append(t) }
        }
        return out
    }

    @Test func sentinelsNeverRunOut() {
        let text = makeText(4000, seed: 1)
        var rng = Xoshiro256StarStar(seed: 1)
        let (input, _) = Objective.spanCorruption(SpanNoise(rate: 0.5, meanSpan: 3)).apply(to: text[...], rng: &rng)
        #expect(input.filter(Vocabulary.isSentinel).count == Vocabulary.sentinelCount)
    }
}
