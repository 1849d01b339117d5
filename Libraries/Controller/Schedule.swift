import Foundation

/// When to evaluate and when the controller takes over, scaled from the paper's 32,000-step run:
/// the starting mixture for the first 250 steps; evaluations at 10, 50, 250, 500, 1000, 1500, 2000,
/// then every 1000.
public struct EvaluationSchedule: Equatable, Sendable {
    public static let paperSteps = 32_000
    public static let paperWarmup = 250
    public static let paperEarly = [10, 50, 250, 500, 1000, 1500, 2000]
    public static let paperInterval = 1000

    public let totalSteps: Int
    /// The first step at which the controller's choice is used (before it: the starting mixture).
    public let warmupEnd: Int
    /// Steps (after that many training steps) at which to evaluate; increasing, all < totalSteps.
    public let evaluationSteps: [Int]

    public init(totalSteps: Int) {
        precondition(totalSteps > 0, "a run has at least one step")
        self.totalSteps = totalSteps
        let scale = Double(totalSteps) / Double(Self.paperSteps)
        func scaled(_ s: Int) -> Int { max(1, Int((Double(s) * scale).rounded())) }
        warmupEnd = scaled(Self.paperWarmup)
        var paper = Self.paperEarly
        var s = Self.paperEarly.last! + Self.paperInterval
        while s < Self.paperSteps { paper.append(s); s += Self.paperInterval }
        var steps: [Int] = []
        for p in paper {
            let t = scaled(p)
            if (steps.last ?? 0) < t && t < totalSteps { steps.append(t) }
        }
        evaluationSteps = steps
    }

    public func isEvaluation(step: Int) -> Bool {
        var lo = 0, hi = evaluationSteps.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if evaluationSteps[mid] < step { lo = mid + 1 } else { hi = mid }
        }
        return lo < evaluationSteps.count && evaluationSteps[lo] == step
    }

    /// Probability that one candidate is an exploration action: a cosine from 0.5 to 0.2 over the
    /// first half of training, then 0.2.
    public func explorationProbability(step: Int) -> Double {
        let half = Double(totalSteps) / 2
        let t = min(Double(step) / half, 1)
        return 0.2 + 0.3 * 0.5 * (1 + cos(Double.pi * t))
    }
}
