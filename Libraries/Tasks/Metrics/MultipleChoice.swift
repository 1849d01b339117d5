/// Multiple choice by loss (docs/METHOD.md 6): each choice's summed negative log-likelihood divided by
/// its token count; the lowest wins, the first on a tie.
public enum MultipleChoice {
    public static func select(losses: [Double], tokenCounts: [Int]) -> Int {
        precondition(!losses.isEmpty && losses.count == tokenCounts.count, "one loss and token count per choice")
        var best = 0
        var bestScore = Double.infinity
        for (i, (loss, count)) in zip(losses, tokenCounts).enumerated() {
            let score = loss / Double(max(count, 1))
            if score < bestScore {
                best = i
                bestScore = score
            }
        }
        return best
    }
}
