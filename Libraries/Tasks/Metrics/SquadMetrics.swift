/// SQuAD answer metrics exactly as the official evaluation script (evaluate-v2.0.py):
/// normalize_answer = lower-case, remove ASCII punctuation (Python's string.punctuation), remove
/// the words "a", "an", "the", collapse whitespace; F1 over the normalised tokens' multiset
/// overlap; the best over the gold answers.
public enum SquadMetrics {
    static let punctuation = Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars)
    static let articles: Set<String> = ["a", "an", "the"]

    public static func normalize(_ text: String) -> String {
        tokens(text).joined(separator: " ")
    }

    /// normalize_answer(s).split(): the official script's get_tokens.
    public static func tokens(_ text: String) -> [String] {
        var kept = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars where !punctuation.contains(scalar) { kept.append(scalar) }
        // re.sub(r'\b(a|an|the)\b', ' ', s): a run of word characters that is exactly an article.
        var words: [String] = []
        var run = String.UnicodeScalarView()
        var out = String.UnicodeScalarView()
        func endRun() {
            let word = String(run)
            out.append(contentsOf: articles.contains(word) ? " ".unicodeScalars : run)
            run = String.UnicodeScalarView()
        }
        for scalar in kept {
            if isWordCharacter(scalar) { run.append(scalar) } else { endRun(); out.append(scalar) }
        }
        endRun()
        // " ".join(s.split()): Python splits on Unicode whitespace.
        var word = String.UnicodeScalarView()
        for scalar in out {
            if isPythonWhitespace(scalar) {
                if !word.isEmpty { words.append(String(word)); word = String.UnicodeScalarView() }
            } else {
                word.append(scalar)
            }
        }
        if !word.isEmpty { words.append(String(word)) }
        return words
    }

    /// Python's `\w` for str patterns: alphanumerics (str.isalnum) and the underscore.
    static func isWordCharacter(_ s: Unicode.Scalar) -> Bool {
        if s == "_" { return true }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return s.properties.numericType != nil
        }
    }

    static func isPythonWhitespace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default: return false
        }
    }

    /// compute_f1 for one gold answer.
    public static func f1(prediction: String, gold: String) -> Double {
        let predicted = tokens(prediction), truth = tokens(gold)
        if predicted.isEmpty || truth.isEmpty { return predicted == truth ? 1 : 0 }
        var counts: [String: Int] = [:]
        for t in truth { counts[t, default: 0] += 1 }
        var same = 0
        for t in predicted where (counts[t] ?? 0) > 0 {
            counts[t]! -= 1
            same += 1
        }
        if same == 0 { return 0 }
        let precision = Double(same) / Double(predicted.count)
        let recall = Double(same) / Double(truth.count)
        return 2 * precision * recall / (precision + recall)
    }

    /// compute_exact for one gold answer.
    public static func exactMatch(prediction: String, gold: String) -> Bool {
        normalize(prediction) == normalize(gold)
    }

    /// The official gold list: answers that normalise to nothing are dropped, and an empty list
    /// becomes [""] (an unanswerable question).
    static func goldList(_ answers: [String]) -> [String] {
        let kept = answers.filter { !normalize($0).isEmpty }
        return kept.isEmpty ? [""] : kept
    }

    /// Best F1 over the gold answers.
    public static func f1(prediction: String, answers: [String]) -> Double {
        goldList(answers).map { f1(prediction: prediction, gold: $0) }.max()!
    }

    public static func exactMatch(prediction: String, answers: [String]) -> Bool {
        goldList(answers).contains { exactMatch(prediction: prediction, gold: $0) }
    }

    /// "Answer contains label": some gold answer, normalised, occurs in the normalised prediction
    /// as a whole run of tokens (so "cat" is not found in "concatenate"). Answers that normalise to
    /// nothing never count.
    public static func containsLabel(prediction: String, answers: [String]) -> Bool {
        let predicted = tokens(prediction)
        for answer in answers {
            let gold = tokens(answer)
            guard !gold.isEmpty, gold.count <= predicted.count else { continue }
            for start in 0...(predicted.count - gold.count) where Array(predicted[start..<(start + gold.count)]) == gold {
                return true
            }
        }
        return false
    }
}
