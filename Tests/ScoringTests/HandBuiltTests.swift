import Foundation
import Objectives
@testable import Tasks
import Testing
import Tokenizer
import ToolSupport
import Vocabulary
@testable import Scoring

/// A byte-level tokenizer without merges: one token per byte, so token counts are byte counts.
func byteText() throws -> TaskText {
    TaskText(model: try BPEModel(merges: [], training: TrainingInfo(requestedVocabularySize: Vocabulary.minimumSize)))
}

/// A model that answers from a script: prompt text -> answer text; loss per choice text.
struct ScriptedModel: TaskModel {
    let text: TaskText
    var answers: [String: String] = [:]
    var losses: [String: Double] = [:]
    var predicted: [[TokenID]: [TokenID]] = [:]
    var vocabularySize: Int { text.vocabularySize }

    func prompt(_ input: [TokenID]) -> String {
        #expect(input.first == TaskText.paradigm)
        return text.prompt(input)
    }

    func generate(_ input: [TokenID], maxNewTokens: Int) -> [TokenID] {
        Array(text.target(answers[prompt(input)]!).prefix(maxNewTokens))
    }

    func continuationLosses(_ input: [TokenID], _ continuations: [[TokenID]]) -> [Double] {
        continuations.map { losses[text.text($0)]! }
    }

    func predictions(_ input: [TokenID], target: [TokenID]) -> [TokenID] { predicted[input]! }

    /// Logits of `margin` at the scripted answer's k-th target token and 0 elsewhere, at each target
    /// position k: the model believes its scripted answer, whatever the true one.
    var margin: Float = 2
    func teacherForced(_ input: [TokenID], target: [TokenID]) -> TeacherForced {
        let believed = text.target(answers[prompt(input)]!), v = vocabularySize
        var logits = [Float](repeating: 0, count: target.count * v)
        for k in target.indices where k < believed.count { logits[k * v + Int(believed[k])] = margin }
        return TeacherForced(logits: logits, vocab: v, first: 0, target: target)
    }
}

@Suite struct HandBuiltScoringTests {
    @Test func phoneBookAccuracyByQueriedNumbers() throws {
        let text = try byteText()
        let items = [
            PhoneBookItem(prompt: "book A", target: "111-111-1111", entries: 4, queries: 1),
            PhoneBookItem(prompt: "book B", target: "222-222-2222, 333-333-3333", entries: 5, queries: 2),
            PhoneBookItem(prompt: "book C", target: "444-444-4444, 555-555-5555", entries: 6, queries: 2),
        ]
        var model = ScriptedModel(text: text)
        model.answers = ["book A": "111-111-1111", "book B": "222-222-2222, 999-999-9999",
                         "book C": "444-444-4444, 555-555-5555, 666-666-6666"]
        // The default budget is the target's length: book C's extra number is cut off anyway.
        let report = PhoneBookScoring.score(items, model: model, text: text, maxNewTokens: nil)
        #expect(report.rows.map { $0[3] } == ["1", "1", "2"])
        #expect(report.rows.map { $0[4] } == ["1", "0", "1"])
        #expect(report.rows[2][8] == "444-444-4444, 555-555-5555,")   // prediction, after prompt_tokens and target
        #expect(close(report.summary["number_accuracy"], 0.8))       // 4 of 5 numbers
        #expect(close(report.summary["query_accuracy"], 2.0 / 3))   // 2 of 3 books
        guard case .array(let rows)? = report.summary["by_queried"], rows.count == 2,
              case let (one, two) = (rows[0], rows[1]) else {
            Issue.record("no by_queried rows"); return
        }
        #expect(one["queried"] == .int(1))
        #expect(close(one["number_accuracy"], 1) && close(one["query_accuracy"], 1))
        #expect(two["queried"] == .int(2) && two["numbers"] == .int(4))
        #expect(close(two["number_accuracy"], 0.75) && close(two["query_accuracy"], 0.5))
    }

    @Test func phoneBookGradedMeasuresFromTeacherForcing() throws {
        let text = try byteText()
        let items = [
            PhoneBookItem(prompt: "book A", target: "123-456-7890", entries: 2, queries: 1),
            PhoneBookItem(prompt: "book B", target: "123-456-7890", entries: 8, queries: 1),
            PhoneBookItem(prompt: "book C", target: "111-222-3333, 444-555-6666", entries: 8, queries: 2),
        ]
        var model = ScriptedModel(text: text)
        // A and C exactly right; B one digit (one byte token) wrong.
        model.answers = ["book A": "123-456-7890", "book B": "123-456-7899", "book C": "111-222-3333, 444-555-6666"]
        let report = PhoneBookScoring.score(items, model: model, text: text, maxNewTokens: nil)
        #expect(report.columns.suffix(2) == ["answer_nll", "digit_accuracy"])
        // Byte tokens: " 123-456-7890" and EOS are 14 tokens with 10 digits; book C's 28 tokens hold 20.
        let v = Double(text.vocabularySize), m = Double(model.margin)
        let right = Foundation.log(v - 1 + Foundation.exp(m)) - m, wrong = Foundation.log(v - 1 + Foundation.exp(m))
        let nll = [right, (13 * right + wrong) / 14, right], digits = [1.0, 0.9, 1.0]
        for (row, (n, d)) in zip(report.rows, zip(nll, digits)) {
            #expect(row[9] == String(format: "%.6f", n) && row[10] == String(format: "%.6f", d), "\(row)")
        }
        #expect(report.rows.map { $0[4] } == ["1", "0", "1"], "the exact measure is unchanged")
        func near(_ value: JSON?, _ expected: Double) -> Bool {
            guard case .number(let x)? = value else { return false }
            return abs(x - expected) < 1e-9
        }
        #expect(near(report.summary["answer_nll"], nll.reduce(0, +) / 3))
        #expect(near(report.summary["digit_accuracy"], 2.9 / 3))
        #expect(near(report.summary["query_accuracy"], 2.0 / 3))
        guard case .array(let queried)? = report.summary["by_queried"], queried.count == 2,
              case .array(let rungs)? = report.summary["by_entries"], rungs.count == 2 else {
            Issue.record("no by_queried or by_entries rows"); return
        }
        #expect(near(queried[0]["digit_accuracy"], 0.95) && near(queried[1]["answer_nll"], right))
        #expect(rungs.map { $0["entries"] } == [.int(2), .int(8)])
        #expect(near(rungs[0]["digit_accuracy"], 1) && near(rungs[0]["query_accuracy"], 1) && near(rungs[0]["answer_nll"], right))
        #expect(near(rungs[1]["digit_accuracy"], 0.95) && near(rungs[1]["number_accuracy"], 2.0 / 3))
        // The rungs add up to the totals.
        func int(_ value: JSON?) -> Int {
            guard case .int(let n)? = value else { return -1 }
            return n
        }
        for key in ["items", "numbers", "correct_numbers", "correct_items"] {
            #expect(rungs.map { int($0[key]) }.reduce(0, +) == int(report.summary[key]), "\(key)")
        }
        for key in ["answer_nll", "digit_accuracy", "query_accuracy"] {
            let weighted = rungs.map { r -> Double in
                guard case .number(let x)? = r[key] else { return .nan }
                return x * Double(int(r["items"]))
            }.reduce(0, +)
            #expect(near(report.summary[key], weighted / 3), "\(key)")
        }
    }

    @Test func squadContainsLabelAndF1ByContextLength() throws {
        let text = try byteText()
        let items = [
            SquadItem(id: "q1", title: "t", context: "c1", question: "Who won?", prompt: "c1\nWho won?",
                      answers: ["Denver Broncos", "the Broncos"], contextTokens: 100),
            SquadItem(id: "q2", title: "t", context: "c2", question: "Where?", prompt: "c2\nWhere?",
                      answers: ["London"], contextTokens: 300),
            SquadItem(id: "q3", title: "t", context: "c3", question: "When?", prompt: "c3\nWhen?",
                      answers: ["in 1990"], contextTokens: 310),
        ]
        var model = ScriptedModel(text: text)
        model.answers = ["c1\nWho won?": "The Denver Broncos won", "c2\nWhere?": "Paris", "c3\nWhen?": "In 1990."]
        let report = SquadScoring.score(items, model: model, text: text, maxNewTokens: 64)
        // q1: contains; F1 against "Denver Broncos": P 2/3, R 1 -> 0.8 (against "the Broncos": P 1/3, R 1 -> 0.5).
        #expect(report.rows.map { $0[4] } == ["1", "0", "1"])
        #expect(report.rows.map { $0[5] } == ["0.800000", "0.000000", "1.000000"])
        #expect(report.rows.map { $0[3] } == ["0-127", "256-511", "256-511"])
        #expect(close(report.summary["contains_label"], 2.0 / 3))
        #expect(close(report.summary["f1"], 1.8 / 3))
        #expect(close(report.summary["exact_match"], 1.0 / 3))
        guard case .array(let buckets)? = report.summary["by_context_tokens"], buckets.count == 2,
              case let (short, long) = (buckets[0], buckets[1]) else {
            Issue.record("no buckets"); return
        }
        #expect(short["bucket"] == .string("0-127") && short["items"] == .int(1))
        #expect(close(short["f1"], 0.8))
        #expect(long["bucket"] == .string("256-511"))
        #expect(close(long["contains_label"], 0.5) && close(long["f1"], 0.5))
    }

    @Test func multipleChoiceTakesTheLowestLossPerToken() throws {
        let text = try byteText()
        let items = [
            InfillItem(context: "story one", choices: ["aaaa", "bb", "cccccc", "d"], label: 0),
            InfillItem(context: "story two", choices: ["eeee", "ff", "gggggg", "h"], label: 2),
        ]
        var model = ScriptedModel(text: text)
        // Tokens with the leading space: 5, 3, 7, 2. Per token: 1.0, 1.5, 1.1, 2.0 -> choice 0 (right);
        // 2.0, 0.75, 1.0, 0.9 -> choice 1 (wrong).
        model.losses = ["aaaa": 5, "bb": 4.5, "cccccc": 7.7, "d": 4, "eeee": 10, "ff": 2.25, "gggggg": 7, "h": 1.8]
        let report = try ChoiceScoring.score(items, model: model, text: text, file: "items.jsonl")
        #expect(report.rows.map { $0[2] } == ["0", "1"])
        #expect(report.rows[0][4] == "1.000000,1.500000,1.100000,2.000000")
        #expect(close(report.summary["accuracy"], 0.5))
        #expect(close(report.summary["chance"], 0.25))
        let bad = [InfillItem(context: "x", choices: ["a", ""], label: 0)]
        #expect(throws: (any Error).self) { try ChoiceScoring.score(bad, model: model, text: text, file: "items.jsonl") }
    }

    @Test func objectiveAccuracyPerClass() throws {
        let text = try byteText()
        let samples = [
            ObjectiveSample(configuration: 0, input: [8, 170], target: [170, 171, 172, 173]),
            ObjectiveSample(configuration: 1, input: [8, 180], target: [180, 181]),
            ObjectiveSample(configuration: 2, input: [9, 190], target: [190, 191]),
        ]
        var model = ScriptedModel(text: text)
        model.predicted = [[8, 170]: [170, 171, 0, 173], [8, 180]: [180, 181], [9, 190]: [0, 0]]
        let report = ObjectiveScoring.score(samples, classes: ["copying", "copying", "selective-copying"],
                                            names: ["copy-a", "copy-b", "sc-1"], model: model)
        #expect(report.rows.map { $0[4] } == ["3", "2", "0"])
        #expect(close(report.summary["token_accuracy"], 5.0 / 8))
        #expect(close(report.summary["exact"], 1.0 / 3))
        guard case .array(let classes)? = report.summary["by_class"], classes.count == 2,
              case let (copying, selective) = (classes[0], classes[1]) else {
            Issue.record("no classes"); return
        }
        #expect(copying["class"] == .string("copying"))
        #expect(close(copying["token_accuracy"], 5.0 / 6) && close(copying["exact"], 0.5))
        #expect(close(selective["token_accuracy"], 0) && selective["samples"] == .int(1))
    }

    @Test func tsvEscapesTextAndSummaryIsSortedJSON() {
        var r = ScoreReport(columns: ["a", "b"])
        r.rows = [["x\ty", "line\nnext\\"]]
        #expect(String(decoding: r.tsv, as: UTF8.self) == "a\tb\nx\\ty\tline\\nnext\\\\\n")
        r.summary = ["z": .int(1), "a": .number(0.5), "s": .string("q\"")]
        #expect(String(decoding: r.summaryJSON, as: UTF8.self) == "{\"a\": 0.500000, \"s\": \"q\\\"\", \"z\": 1}\n")
    }

    @Test func tokenDigitsAreTheASCIIDigitsOfItsText() throws {
        func byte(_ c: Character) -> TokenID { Vocabulary.byteBase + TokenID(c.asciiValue!) }
        let text = TaskText(model: try BPEModel(merges: [Merge(byte("1"), byte("2"))],
                                                training: TrainingInfo(requestedVocabularySize: Vocabulary.minimumSize)))
        #expect(text.digits(in: BPEModel.firstMergeID) == 2, "the merged token \"12\"")
        #expect(text.digits(in: byte("7")) == 1 && text.digits(in: byte(" ")) == 0 && text.digits(in: byte("-")) == 0)
        #expect(text.digits(in: SpecialToken.eos.rawValue) == 0)
        #expect(text.target("12-3").map { text.digits(in: $0) }.reduce(0, +) == 3)
    }

    @Test func taskTextRoundTrips() throws {
        let text = try byteText()
        let expected: [TokenID] = [TaskText.paradigm, 232, 265]   // "H", "i" at byte base 160
        #expect(text.input("Hi") == expected)
        let target: [TokenID] = [192, 271, 267, SpecialToken.eos.rawValue]   // " ", "o", "k", EOS
        #expect(text.target("ok") == target)
        #expect(text.text(text.target("ok") + [200, 201]) == "ok")
    }
}

/// A JSON number within 1e-12 of `expected`.
func close(_ value: JSON?, _ expected: Double) -> Bool {
    guard case .number(let d)? = value else { return false }
    return abs(d - expected) < 1e-12
}
