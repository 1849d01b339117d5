import Foundation
import ToolSupport
import Tasks
import Vocabulary

/// `score --task phonebook`: greedy answers, per-number and per-query accuracy (the paper's exact
/// measure), and two graded measures from one teacher-forced pass over the true answer: its loss
/// per token and the share of its digits predicted right. All by the count of queried numbers and
/// by the count of entries (Tasks.PhoneBookTally).
public enum PhoneBookScoring {
    public static let columns = ["item", "entries", "queried", "correct_numbers", "all_correct", "generated_tokens", "prompt_tokens",
                                 "target", "prediction", "answer_nll", "digit_accuracy"]

    /// `maxNewTokens` nil: the target's own token count (EOS included), enough for a right answer.
    public static func score(_ items: [PhoneBookItem], model: TaskModel, text: TaskText,
                             maxNewTokens: Int?, progress: (Int) -> Void = { _ in }) -> ScoreReport {
        var report = ScoreReport(columns: columns)
        var tally = PhoneBookTally()
        for (i, item) in items.enumerated() {
            let input = text.input(item.prompt), target = text.target(item.target)
            let generated = model.generate(input, maxNewTokens: maxNewTokens ?? target.count)
            let prediction = text.text(generated)
            let (correct, total) = PhoneBookMetrics.correctNumbers(prediction: prediction, target: item.target)
            let graded = grade(model.teacherForced(input, target: target), target: target, text: text)
            tally.add(prediction: prediction, target: item.target, entries: item.entries, graded: graded)
            report.rows.append([String(i), String(item.entries), String(total), String(correct),
                                correct == total ? "1" : "0", String(generated.count), String(input.count), item.target, prediction,
                                String(format: "%.6f", graded.answerNLL), String(format: "%.6f", graded.digitAccuracy)])
            progress(i + 1)
        }
        func fields(_ r: PhoneBookTally.Row) -> [String: JSON] {
            ["items": .int(r.items), "numbers": .int(r.numbers), "correct_numbers": .int(r.numbersCorrect),
             "correct_items": .int(r.itemsCorrect), "number_accuracy": .number(r.numberAccuracy), "query_accuracy": .number(r.queryAccuracy),
             "answer_nll": .number(r.answerNLL), "digit_accuracy": .number(r.digitAccuracy)]
        }
        func grouped(_ rows: [PhoneBookTally.Row], by key: String) -> JSON {
            .array(rows.map { r in
                var f = fields(r)
                f[key] = .int(r.group)
                return .sorted(f)
            })
        }
        report.summary = fields(tally.total)
        report.summary["task"] = .string("phonebook")
        report.summary["by_queried"] = grouped(tally.byQueried, by: "queried")
        report.summary["by_entries"] = grouped(tally.byEntries, by: "entries")
        return report
    }

    /// The graded measures of one answer: target token k's digits are right when the argmax at its
    /// position is the token itself; EOS is one of the tokens averaged into the loss.
    static func grade(_ forced: TeacherForced, target: [TokenID], text: TaskText) -> GradedAnswer {
        GradedAnswer(losses: forced.losses, right: zip(forced.predictions, target).map { $0 == $1 },
                     digitsPerToken: target.map { text.digits(in: $0) })
    }
}
