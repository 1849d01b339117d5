import ToolSupport
import Tasks

/// `score --task squad`: greedy answers; "answer contains label", SQuAD F1 and exact match
/// (Tasks.SquadMetrics), overall and by context length in tokens.
public enum SquadScoring {
    public static let columns = ["item", "id", "context_tokens", "bucket", "contains_label", "f1", "exact", "prediction"]
    /// Context-length buckets: [0, 128), [128, 256), ..., [1024, inf).
    public static let edges = [128, 256, 512, 1024]

    public static func bucket(_ tokens: Int) -> String {
        var low = 0
        for e in edges {
            if tokens < e { return "\(low)-\(e - 1)" }
            low = e
        }
        return "\(low)+"
    }

    public static func score(_ items: [SquadItem], model: TaskModel, text: TaskText, maxNewTokens: Int,
                             progress: (Int) -> Void = { _ in }) -> ScoreReport {
        var report = ScoreReport(columns: columns)
        struct Sums { var items = 0, contains = 0, exact = 0; var f1 = 0.0 }
        var total = Sums()
        var byBucket: [String: Sums] = [:]
        var bucketOrder: [String: Int] = [:]
        for (i, item) in items.enumerated() {
            let prediction = text.text(model.generate(text.input(item.prompt), maxNewTokens: maxNewTokens))
            let contains = SquadMetrics.containsLabel(prediction: prediction, answers: item.answers)
            let f1 = SquadMetrics.f1(prediction: prediction, answers: item.answers)
            let exact = SquadMetrics.exactMatch(prediction: prediction, answers: item.answers)
            let tokens = item.contextTokens ?? text.tokens(item.context).count
            let b = bucket(tokens)
            bucketOrder[b] = tokens < edges.last! ? edges.firstIndex { tokens < $0 }! : edges.count
            for key in [nil, b] as [String?] {
                var s = key.map { byBucket[$0] ?? Sums() } ?? total
                s.items += 1; s.contains += contains ? 1 : 0; s.exact += exact ? 1 : 0; s.f1 += f1
                if let key { byBucket[key] = s } else { total = s }
            }
            report.rows.append([String(i), item.id, String(tokens), b, contains ? "1" : "0", String(format: "%.6f", f1),
                                exact ? "1" : "0", prediction])
            progress(i + 1)
        }
        func fields(_ s: Sums) -> [String: JSON] {
            ["items": .int(s.items), "contains_label": .number(ratio(s.contains, s.items)), "f1": .number(ratio(s.f1, s.items)),
             "exact_match": .number(ratio(s.exact, s.items))]
        }
        report.summary = fields(total)
        report.summary["task"] = .string("squad")
        report.summary["max_new_tokens"] = .int(maxNewTokens)
        report.summary["by_context_tokens"] = .array(byBucket.keys.sorted { bucketOrder[$0]! < bucketOrder[$1]! }.map { b in
            var f = fields(byBucket[b]!)
            f["bucket"] = .string(b)
            return .sorted(f)
        })
        return report
    }
}
