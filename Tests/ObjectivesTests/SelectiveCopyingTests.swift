import Testing
import Vocabulary
@testable import Objectives
import Randomness

@Suite struct SelectiveCopyingTests {
    struct Parsed { var context: [TokenID]; var queries: [(start: [TokenID], end: [TokenID])]; var spans: [[TokenID]] }

    /// Reads "COPY (START-SPAN d END-SPAN d)... CONTEXT text" (or context first) and the target.
    func parse(_ input: [TokenID], _ target: [TokenID], query: SelectiveCopyingSpec.Query) -> Parsed? {
        let copy = SpecialToken.copy.rawValue, ctx = SpecialToken.context.rawValue
        guard let ci = input.firstIndex(of: ctx), let qi = input.firstIndex(of: copy) else { return nil }
        if query == .before { guard qi == 0, ci > qi else { return nil } } else { guard ci == 0, qi > ci else { return nil } }
        let context = query == .before ? Array(input[(ci + 1)...]) : Array(input[1..<qi])
        let q = query == .before ? Array(input[1..<ci]) : Array(input[(qi + 1)...])
        var queries = [(start: [TokenID], end: [TokenID])]()
        var i = 0
        while i < q.count {
            guard q[i] == SpecialToken.startSpan.rawValue, let e = q[(i + 1)...].firstIndex(of: SpecialToken.endSpan.rawValue) else { return nil }
            let next = q[(e + 1)...].firstIndex(of: SpecialToken.startSpan.rawValue) ?? q.count
            queries.append((Array(q[(i + 1)..<e]), Array(q[(e + 1)..<next])))
            i = next
        }
        guard target.last == SpecialToken.done.rawValue else { return nil }
        let spans = target.dropLast().split(separator: SpecialToken.separator.rawValue, omittingEmptySubsequences: false).map(Array.init)
        return Parsed(context: context, queries: queries, spans: spans)
    }

    /// docs/METHOD.md 8: most of the reference's target spans were not in the context.
    @Test func everyTargetSpanSitsInTheContextBetweenItsDelimiters() throws {
        var grown = 0
        for spans in 1...4 {
            for query in [SelectiveCopyingSpec.Query.before, .after] {
                let spec = SelectiveCopyingSpec(spans: spans, query: query)
                let objective = Objective.selectiveCopying(spec)
                for n in [objective.minimumTextLength, 30, 64, 200, 700, 1500] {
                    for seed in UInt64(0)..<6 {
                        let text = makeText(n, seed: seed, alphabet: 12)
                        var rng = Xoshiro256StarStar(seed: seed)
                        let (input, target) = objective.apply(to: text[...], rng: &rng)
                        let p = try #require(parse(input, target, query: query), "unparseable n=\(n) spans=\(spans)")
                        #expect(p.context == text)
                        #expect(p.spans.count == spans && p.queries.count == spans)
                        #expect(objective.sampleLength(textLength: n) >= 1 + input.count + target.count)
                        for (span, q) in zip(p.spans, p.queries) {
                            #expect(span.allSatisfy(isText) && q.start.allSatisfy(isText) && q.end.allSatisfy(isText))
                            #expect((1...8).contains(q.start.count) && (1...8).contains(q.end.count))
                            if n >= spans * 33 + 1 { #expect((4...32).contains(span.count)) } else { #expect(span.count >= 1) }
                            let hits = occurrences(of: q.start + span + q.end, in: text)
                            #expect(!hits.isEmpty, "span not in the context after its start delimiter, n=\(n) seed \(seed)")
                            // Delimiters stop growing once unique, or at 8 tokens, or at the text's edge.
                            let startUnique = occurrences(of: q.start, in: text).count == 1
                            let endUnique = occurrences(of: q.end, in: text).count == 1
                            #expect(startUnique || q.start.count == 8 || hits.contains(0))
                            #expect(endUnique || q.end.count == 8 || hits.contains(text.count - q.start.count - span.count - q.end.count))
                            if q.start.count > 1 { grown += 1 }
                        }
                    }
                }
            }
        }
        #expect(grown > 50, "delimiters grew \(grown) times")
    }
}
