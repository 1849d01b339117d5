import Vocabulary
import Randomness

/// Selective copying as the paper specifies it (docs/METHOD.md 3): copy 1-4 spans of the context, each
/// located by the tokens right before it (start delimiter) and right after it (end delimiter).
///
///     input  (query before): COPY (START-SPAN start-delim END-SPAN end-delim)... CONTEXT text
///     input  (query after):  CONTEXT text COPY (START-SPAN start-delim END-SPAN end-delim)...
///     target: span SEP span SEP ... span DONE        (spans in query order)
enum SelectiveCopying {
    static func make(_ text: ArraySlice<TokenID>, _ spec: SelectiveCopyingSpec,
                     rng: inout Xoshiro256StarStar) -> (input: [TokenID], target: [TokenID]) {
        let t = Array(text)
        let n = t.count, s = spec.spans
        // Span lengths, shortened when the context is small; every span keeps a token on each side.
        let longest = min(spec.spanLength.upperBound, (n - s - 1) / s)
        let shortest = min(spec.spanLength.lowerBound, longest)
        let lengths = (0..<s).map { _ in rng.uniform(shortest...longest) }
        // s+1 positive gaps around the spans, uniformly at random.
        let gaps = RandomSubset.composition(n - lengths.reduce(0, +), parts: s + 1, rng: &rng)
        var starts = [Int]()
        var at = gaps[0]
        for i in 0..<s {
            starts.append(at)
            at += lengths[i] + gaps[i + 1]
        }
        var order = Array(0..<s)
        rng.shuffle(&order)

        var query: [TokenID] = [SpecialToken.copy.rawValue]
        var target = [TokenID]()
        for (k, i) in order.enumerated() {
            let begin = starts[i], end = starts[i] + lengths[i]
            let before = growDelimiter(t, spec.delimiterLength, available: begin) { d in begin - d..<begin }
            let after = growDelimiter(t, spec.delimiterLength, available: n - end) { d in end..<end + d }
            query.append(SpecialToken.startSpan.rawValue)
            query.append(contentsOf: t[before])
            query.append(SpecialToken.endSpan.rawValue)
            query.append(contentsOf: t[after])
            target.append(contentsOf: t[begin..<end])
            target.append(k == s - 1 ? SpecialToken.done.rawValue : SpecialToken.separator.rawValue)
        }
        var context: [TokenID] = [SpecialToken.context.rawValue]
        context.append(contentsOf: t)
        return (spec.query == .before ? query + context : context + query, target)
    }

    /// The shortest delimiter (within `lengths` and the tokens available) that occurs once in the
    /// context; the longest allowed when none is unique.
    private static func growDelimiter(_ t: [TokenID], _ lengths: ClosedRange<Int>, available: Int,
                                      range: (Int) -> Range<Int>) -> Range<Int> {
        let longest = min(lengths.upperBound, available)
        var d = min(lengths.lowerBound, longest)
        while d < longest && occursMoreThanOnce(t, range(d)) { d += 1 }
        return range(d)
    }

    private static func occursMoreThanOnce(_ t: [TokenID], _ pattern: Range<Int>) -> Bool {
        let d = pattern.count
        guard d > 0 else { return true }
        var found = 0
        let first = t[pattern.lowerBound]
        var i = 0
        while i + d <= t.count {
            if t[i] == first {
                var k = 1
                while k < d && t[i + k] == t[pattern.lowerBound + k] { k += 1 }
                if k == d {
                    found += 1
                    if found > 1 { return true }
                }
            }
            i += 1
        }
        return false
    }
}
