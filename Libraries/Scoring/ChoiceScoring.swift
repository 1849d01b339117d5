import Foundation
import Tasks
import ToolSupport

/// `score --task mc` (story infilling): each choice's summed loss after the context, divided by its
/// token count; the lowest wins (Tasks.MultipleChoice).
public enum ChoiceScoring {
    public static let columns = ["item", "label", "chosen", "correct", "normalised_losses"]

    /// What is wrong with an item, if anything (`score` checks every line before scoring).
    public static func problem(_ item: InfillItem) -> String? {
        guard item.choices.count >= 2, item.choices.indices.contains(item.label), item.choices.allSatisfy({ !$0.isEmpty }) else {
            return "needs two or more non-empty choices and a label among them"
        }
        return nil
    }

    public static func score(_ items: [InfillItem], model: TaskModel, text: TaskText, file: String,
                             progress: (Int) -> Void = { _ in }) throws -> ScoreReport {
        var report = ScoreReport(columns: columns)
        var correct = 0, chance = 0.0
        for (i, item) in items.enumerated() {
            let choices = item.choices.map(text.continuation)
            if let problem = problem(item) {
                throw ToolError.badInput(file, "item \(i + 1): \(problem)", fix: "make the items with infill-gen")
            }
            let losses = model.continuationLosses(text.input(item.context), choices)
            let chosen = MultipleChoice.select(losses: losses, tokenCounts: choices.map(\.count))
            if chosen == item.label { correct += 1 }
            chance += 1 / Double(choices.count)
            let normalised = zip(losses, choices).map { String(format: "%.6f", $0 / Double($1.count)) }
            report.rows.append([String(i), String(item.label), String(chosen), chosen == item.label ? "1" : "0",
                                normalised.joined(separator: ",")])
            progress(i + 1)
        }
        report.summary = ["task": .string("mc"), "items": .int(items.count), "correct": .int(correct),
                          "accuracy": .number(ratio(correct, items.count)), "chance": .number(ratio(chance, items.count))]
        return report
    }
}
