import ToolSupport
import Tasks
import Vocabulary

/// `score --task phonebook`: greedy answers, per-number and per-query accuracy by the count of
/// queried numbers (Tasks.PhoneBookTally).
public enum PhoneBookScoring {
    public static let columns = ["item", "entries", "queried", "correct_numbers", "all_correct", "generated_tokens", "prompt_tokens", "target", "prediction"]

    /// `maxNewTokens` nil: the target's own token count (EOS included), enough for a right answer.
    public static func score(_ items: [PhoneBookItem], model: TaskModel, text: TaskText,
                             maxNewTokens: Int?, progress: (Int) -> Void = { _ in }) -> ScoreReport {
        var report = ScoreReport(columns: columns)
        var tally = PhoneBookTally()
        for (i, item) in items.enumerated() {
            let budget = maxNewTokens ?? text.target(item.target).count
            let input = text.input(item.prompt)
            let generated = model.generate(input, maxNewTokens: budget)
            let prediction = text.text(generated)
            let (correct, total) = PhoneBookMetrics.correctNumbers(prediction: prediction, target: item.target)
            tally.add(prediction: prediction, target: item.target)
            report.rows.append([String(i), String(item.entries), String(total), String(correct),
                                correct == total ? "1" : "0", String(generated.count), String(input.count), item.target, prediction])
            progress(i + 1)
        }
        func fields(_ r: PhoneBookTally.Row) -> [String: JSON] {
            ["items": .int(r.items), "numbers": .int(r.numbers), "correct_numbers": .int(r.numbersCorrect),
             "correct_items": .int(r.itemsCorrect), "number_accuracy": .number(r.numberAccuracy), "query_accuracy": .number(r.queryAccuracy)]
        }
        report.summary = fields(tally.total)
        report.summary["task"] = .string("phonebook")
        report.summary["by_queried"] = .array(tally.rows.map { r in
            var f = fields(r)
            f["queried"] = .int(r.queried)
            return .sorted(f)
        })
        return report
    }
}
