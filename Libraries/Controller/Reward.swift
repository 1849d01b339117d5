import Foundation

/// The Birdie reward (docs/METHOD.md section 4): how much a configuration's validation loss improved
/// between two evaluations, squashed to [-1, 1].
public enum Reward {
    /// delta = (new - old) / (old + 1e-8); S = sqrt(old * new);
    /// reward = clip(-100 e tanh(e S delta^3), -1, 1); NaN (from NaN or negative losses) -> 0.
    /// A falling loss gives a positive reward (the paper prints delta with the opposite sign).
    public static func value(old: Double, new: Double) -> Double {
        let e = M_E
        let delta = (new - old) / (old + 1e-8)
        let s = (old * new).squareRoot()
        let r = -100 * e * tanh(e * s * delta * delta * delta)
        guard !r.isNaN else { return 0 }
        return min(max(r, -1), 1)
    }

    /// Per-configuration rewards between two loss vectors (same order as the configurations).
    public static func values(old: [Double], new: [Double]) -> [Double] {
        precondition(old.count == new.count, "loss vectors differ in length")
        return zip(old, new).map { value(old: $0, new: $1) }
    }

    /// The total reward: each configuration's reward divided by the size of its class, summed.
    public static func total(_ rewards: [Double], classScale: [Double]) -> Double {
        precondition(rewards.count == classScale.count)
        return zip(rewards, classScale).reduce(0) { $0 + $1.0 * $1.1 }
    }
}
