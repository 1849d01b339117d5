import Tasks
import Testing
import Vocabulary
@testable import Scoring

/// `score --limit`: a seeded sample with one item from each length stratum.
struct EvaluationSampleTests {
    @Test func oneItemFromEachLengthStratumInFileOrder() {
        // Lengths in file order: the first half short, the second long (like SQuAD's first articles).
        let lengths = (0..<100).map { $0 < 50 ? 10 + $0 % 7 : 500 + $0 }
        for seed: UInt64 in 1...20 {
            let picked = EvaluationSample.stratified(lengths: lengths, limit: 10, seed: seed)
            #expect(picked.count == 10 && Set(picked).count == 10)
            #expect(picked == picked.sorted())
            // Ranked by length, stratum k holds ranks 10k..<10k+10: exactly one pick in each.
            let byLength = (0..<100).sorted { (lengths[$0], $0) < (lengths[$1], $1) }
            let ranks = picked.map { byLength.firstIndex(of: $0)! }.sorted()
            #expect(ranks.enumerated().allSatisfy { k, r in r / 10 == k })
            #expect(picked.filter { $0 >= 50 }.count == 5)   // half the sample from the long half
        }
    }

    @Test func sameSeedSameItemsOtherSeedOtherItems() {
        let lengths = (0..<1000).map { ($0 * 7919) % 613 }
        let a = EvaluationSample.stratified(lengths: lengths, limit: 50, seed: 3)
        #expect(EvaluationSample.stratified(lengths: lengths, limit: 50, seed: 3) == a)
        #expect(EvaluationSample.stratified(lengths: lengths, limit: 50, seed: 4) != a)
    }

    @Test func aLimitAtOrAboveTheCountKeepsEverything() {
        #expect(EvaluationSample.stratified(lengths: [5, 1, 3], limit: 3, seed: 1) == [0, 1, 2])
        #expect(EvaluationSample.stratified(lengths: [5, 1, 3], limit: 9, seed: 1) == [0, 1, 2])
    }
}

/// `score --paradigm`: the token before every prompt.
struct TaskParadigmTests {
    @Test func nextTokenReplacesPrefixLMBeforeThePrompt() throws {
        var text = try byteText()
        let plm = text.input("Hi")
        #expect(plm.first == SpecialToken.paradigmPrefixLM.rawValue)
        text.paradigm = TaskParadigm.nextToken.token
        let next = text.input("Hi")
        #expect(next.first == SpecialToken.paradigmNextToken.rawValue)
        #expect(Array(next.dropFirst()) == Array(plm.dropFirst()))
    }
}
