import Testing
@testable import Tasks

/// Expected values are worked by hand from the official SQuAD 2.0 evaluation script's rules.
@Suite struct SquadMetricsTests {
    @Test(arguments: [
        ("The Cat's hat!", "cats hat"),
        ("  A  an THE theory\tof an anthem ", "theory of anthem"),   // articles only as whole words
        ("U.S.A. e-mail (1,000)", "usa email 1000"),
        ("Café au lait", "café au lait"),
        ("\u{201C}The\u{201D} end", "\u{201C} \u{201D} end"),           // curly quotes are not ASCII punctuation
        ("the2 ½the thé a", "the2 ½the thé"),                                // digits and letters join words
        ("a an the", ""),
        ("Line\u{2028}break\u{00A0}here", "line break here"),            // Python's str.split() whitespace
    ])
    func normalisation(input: String, expected: String) {
        #expect(SquadMetrics.normalize(input) == expected)
    }

    @Test func f1ByHand() {
        // pred [cat sat on mat], gold [cat on mat]: 3 shared, P 3/4, R 1, F1 = 1.5/1.75.
        #expect(abs(SquadMetrics.f1(prediction: "the cat sat on the mat", gold: "a cat on a mat") - 6.0 / 7.0) < 1e-12)
        // Repeated tokens count once per occurrence in both: pred [cat cat cat], gold [cat dog]:
        // 1 shared, P 1/3, R 1/2, F1 = (1/3)/(5/6) = 0.4.
        #expect(abs(SquadMetrics.f1(prediction: "cat cat cat", gold: "cat dog") - 0.4) < 1e-12)
        // Both empty after normalisation: 1; one empty: 0.
        #expect(SquadMetrics.f1(prediction: "The.", gold: "a") == 1)
        #expect(SquadMetrics.f1(prediction: "", gold: "cat") == 0)
        #expect(SquadMetrics.f1(prediction: "dog", gold: "cat") == 0)
    }

    @Test func bestOverGoldAnswers() {
        // "in Paris France" vs "Paris": P 1/3, R 1 -> 0.5; vs "France, Europe": P 1/3, R 1/2 -> 0.4.
        #expect(abs(SquadMetrics.f1(prediction: "in Paris France", answers: ["France, Europe", "Paris"]) - 0.5) < 1e-12)
        // Answers that normalise to nothing are dropped; none left means the gold answer is "".
        #expect(SquadMetrics.f1(prediction: "Paris", answers: ["the", "Paris!"]) == 1)
        #expect(SquadMetrics.f1(prediction: "", answers: ["the"]) == 1)
        #expect(SquadMetrics.exactMatch(prediction: "the  Denver broncos.", answers: ["Carolina", "Denver Broncos"]))
        #expect(!SquadMetrics.exactMatch(prediction: "Denver", answers: ["Denver Broncos"]))
    }

    @Test func containsLabel() {
        #expect(SquadMetrics.containsLabel(prediction: "The answer is the Denver Broncos, of course.", answers: ["Denver Broncos"]))
        #expect(SquadMetrics.containsLabel(prediction: "1,000 people", answers: ["x", "1000"]))
        #expect(!SquadMetrics.containsLabel(prediction: "concatenate", answers: ["cat"]), "whole tokens only")
        #expect(!SquadMetrics.containsLabel(prediction: "Broncos, Denver", answers: ["Denver Broncos"]), "in order")
        #expect(!SquadMetrics.containsLabel(prediction: "the end", answers: ["The"]), "an empty answer never counts")
        #expect(!SquadMetrics.containsLabel(prediction: "", answers: ["cat"]))
    }
}

@Suite struct PhoneBookMetricsTests {
    @Test func numbersAreFoundInOrder() {
        #expect(PhoneBookMetrics.numbers(in: "123-456-7890, 1234-567-8901 and 111-222-33334 then 555-666-7777.") ==
                ["123-456-7890", "555-666-7777"])
        #expect(PhoneBookMetrics.numbers(in: "123-456-789") == [])
    }

    @Test func numbersCountAtTheirPosition() {
        let target = "111-111-1111, 222-222-2222"
        #expect(PhoneBookMetrics.correctNumbers(prediction: "111-111-1111, 222-222-2222<eos>", target: target) == (2, 2))
        #expect(PhoneBookMetrics.correctNumbers(prediction: "222-222-2222, 111-111-1111", target: target) == (0, 2))
        #expect(PhoneBookMetrics.correctNumbers(prediction: "111-111-1111, 999-999-9999", target: target) == (1, 2))
        #expect(PhoneBookMetrics.correctNumbers(prediction: "111-111-1111", target: target) == (1, 2))
        #expect(PhoneBookMetrics.correctNumbers(prediction: "111-111-1111, 222-222-2222, 333-333-3333", target: target) == (2, 2))
    }

    @Test func tallyByQueriedNumbersAndByEntries() {
        var tally = PhoneBookTally()
        func graded(_ nll: Double, _ right: Int) -> GradedAnswer { GradedAnswer(answerNLL: nll, digits: 10, correctDigits: right) }
        tally.add(prediction: "111-111-1111", target: "111-111-1111", entries: 4, graded: graded(0.5, 10))
        tally.add(prediction: "000-000-0000", target: "111-111-1111", entries: 8, graded: graded(1.5, 4))
        tally.add(prediction: "111-111-1111, 000-000-0000, 333-333-3333", target: "111-111-1111, 222-222-2222, 333-333-3333",
                  entries: 4, graded: graded(1.0, 7))
        #expect(tally.byQueried.map(\.group) == [1, 3])
        #expect(tally.byQueried[0].items == 2 && tally.byQueried[0].itemsCorrect == 1 && tally.byQueried[0].numberAccuracy == 0.5)
        #expect(tally.byQueried[0].answerNLL == 1.0 && abs(tally.byQueried[0].digitAccuracy - 0.7) < 1e-12)
        #expect(tally.byQueried[1].numbers == 3 && tally.byQueried[1].numbersCorrect == 2 && tally.byQueried[1].queryAccuracy == 0)
        #expect(tally.byEntries.map(\.group) == [4, 8])
        #expect(tally.byEntries[0].items == 2 && tally.byEntries[0].numbers == 4 && tally.byEntries[0].numbersCorrect == 3)
        #expect(tally.byEntries[0].answerNLL == 0.75 && abs(tally.byEntries[0].digitAccuracy - 0.85) < 1e-12)
        #expect(tally.byEntries[1].numberAccuracy == 0 && tally.byEntries[1].digitAccuracy == 0.4)
        #expect(tally.total.items == 3 && tally.total.numbers == 5 && tally.total.numbersCorrect == 3)
        #expect(abs(tally.total.answerNLL - 1.0) < 1e-12 && abs(tally.total.digitAccuracy - 0.7) < 1e-12)
    }

    /// A token's digits count together, right or wrong; tokens without digits weigh nothing.
    @Test func gradedAnswerWeighsTokensByTheirDigits() {
        let answer = GradedAnswer(losses: [0.5, 1.0, 2.0, 0.5, 1.0], right: [false, true, false, true, true], digitsPerToken: [0, 3, 3, 1, 0])
        #expect(answer.digits == 7 && answer.correctDigits == 4)
        #expect(answer.digitAccuracy == 4.0 / 7)
        #expect(answer.answerNLL == 1.0)
        #expect(GradedAnswer(losses: [1], right: [true], digitsPerToken: [0]).digitAccuracy == 0, "no digits: 0")
    }
}

@Suite struct MultipleChoiceTests {
    @Test func lowestLossPerToken() {
        // Per token: 10/5 = 2, 9/3 = 3, 12/4 = 3: the first wins though its total loss is not lowest.
        #expect(MultipleChoice.select(losses: [10, 9, 12], tokenCounts: [5, 3, 4]) == 0)
        #expect(MultipleChoice.select(losses: [10, 9, 2], tokenCounts: [5, 3, 4]) == 2)
        // A tie goes to the first choice.
        #expect(MultipleChoice.select(losses: [4, 2], tokenCounts: [2, 1]) == 0)
    }
}
