import Vocabulary
@testable import Objectives
import Randomness

/// Random text tokens from a small alphabet (repeats on purpose) or all distinct.
func makeText(_ n: Int, seed: UInt64, alphabet: Int = 50, distinct: Bool = false) -> [TokenID] {
    var rng = Xoshiro256StarStar(seed: seed &+ 0xABCDEF)
    if distinct {
        var t = (0..<n).map { Vocabulary.reservedCount + TokenID($0) }
        rng.shuffle(&t)
        return t
    }
    return (0..<n).map { _ in Vocabulary.reservedCount + TokenID(rng.below(alphabet)) }
}

func isText(_ t: TokenID) -> Bool { t >= Vocabulary.reservedCount }

/// Lengths to sweep: small edge cases and a spread up to a long row.
let sweepLengths = [2, 3, 4, 5, 7, 8, 9, 16, 31, 64, 100, 257, 600, 1500]

func occurrences(of pattern: [TokenID], in t: [TokenID]) -> [Int] {
    guard !pattern.isEmpty, pattern.count <= t.count else { return [] }
    return (0...(t.count - pattern.count)).filter { i in t[i..<i + pattern.count].elementsEqual(pattern) }
}

/// Splits a span-corruption target "span0 s0 span1 s1 ..." into its spans, checking sentinel order.
func splitBySentinels(_ target: [TokenID]) -> [[TokenID]]? {
    var spans = [[TokenID]](), current = [TokenID]()
    for t in target {
        if Vocabulary.isSentinel(t) {
            guard t == Vocabulary.sentinel(spans.count) else { return nil }
            spans.append(current); current = []
        } else {
            current.append(t)
        }
    }
    return current.isEmpty ? spans : nil
}
