import ToolSupport
import Objectives
import Vocabulary

/// `score --task objectives`: held-out objective samples (a `corrupt` stream); per objective class,
/// the share of target tokens the model predicts (argmax with the true prefix fed in) and the share
/// of samples that greedy decoding reproduces exactly (every position right).
public enum ObjectiveScoring {
    public static let columns = ["item", "configuration", "class", "target_tokens", "correct_tokens", "exact"]

    /// `classes[i]`: the group (objective class, or configuration name) of configuration i.
    public static func score(_ samples: [ObjectiveSample], classes: [String], names: [String], model: TaskModel,
                             progress: (Int) -> Void = { _ in }) -> ScoreReport {
        var report = ScoreReport(columns: columns)
        struct Sums { var samples = 0, exact = 0, tokens = 0, correct = 0 }
        var total = Sums()
        var byClass: [String: Sums] = [:]
        for (i, s) in samples.enumerated() {
            let predicted = model.predictions(s.input, target: s.target)
            let correct = zip(predicted, s.target).filter { $0 == $1 }.count
            let exact = correct == s.target.count
            let group = s.configuration < classes.count ? classes[s.configuration] : "configuration-\(s.configuration)"
            for key in [nil, group] as [String?] {
                var sums = key.map { byClass[$0] ?? Sums() } ?? total
                sums.samples += 1; sums.exact += exact ? 1 : 0; sums.tokens += s.target.count; sums.correct += correct
                if let key { byClass[key] = sums } else { total = sums }
            }
            let name = s.configuration < names.count ? names[s.configuration] : String(s.configuration)
            report.rows.append([String(i), name, group, String(s.target.count), String(correct), exact ? "1" : "0"])
            progress(i + 1)
        }
        func fields(_ s: Sums) -> [String: JSON] {
            ["samples": .int(s.samples), "target_tokens": .int(s.tokens), "token_accuracy": .number(ratio(s.correct, s.tokens)),
             "exact": .number(ratio(s.exact, s.samples))]
        }
        report.summary = fields(total)
        report.summary["task"] = .string("objectives")
        report.summary["by_class"] = .array(byClass.keys.sorted().map { c in
            var f = fields(byClass[c]!)
            f["class"] = .string(c)
            return .sorted(f)
        })
        return report
    }
}
