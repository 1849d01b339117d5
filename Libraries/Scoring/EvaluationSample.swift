import Randomness

/// `score --limit N`: which N items to score. Files are often ordered by source (SQuAD's first
/// questions come from two short articles), so the first N would say nothing about length. Instead
/// the items are ordered by length, cut into N strata of near-equal size, and one item is drawn
/// from each with the seed: every length is represented, and the same seed picks the same items.
public enum EvaluationSample {
    /// Indices (ascending, so file order is kept) of `limit` items stratified by `lengths`.
    public static func stratified(lengths: [Int], limit: Int, seed: UInt64) -> [Int] {
        let n = lengths.count
        guard limit < n else { return Array(0..<n) }
        let byLength = (0..<n).sorted { (lengths[$0], $0) < (lengths[$1], $1) }
        var rng = SplitMix64(seed: seed)
        return (0..<limit).map { k in
            let lo = k * n / limit, hi = (k + 1) * n / limit   // stratum k: byLength[lo..<hi], never empty
            return byLength[lo + rng.below(hi - lo, by: .rejection)]
        }.sorted()
    }
}
