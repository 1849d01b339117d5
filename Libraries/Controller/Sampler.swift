import Foundation
import Randomness

/// Chooses the next mixture (docs/METHOD.md section 4): candidates uniform in [0,1)^k normalised to
/// sum 1, each scored by the critic at its own step (history, then [current losses, candidate]),
/// score = Σ class-scaled predicted rewards; the mean of the best `top` candidates, normalised.
///
/// `power` (not in the paper; 1 is the paper) raises each uniform draw to that power before
/// normalising. Normalised uniform candidates all lie near the uniform mixture, so the mean of the
/// top 8 cannot concentrate: with 3 good configurations of 12, even a perfect critic's choice puts
/// only about half the mass on them (ControllerTests `oracleCeiling`). A power of 3-4 makes sparse candidates common.
public struct ActionSampler: Codable, Equatable, Sendable {
    public var candidates = 2048
    public var top = 8
    public var power = 1.0

    public init(candidates: Int = 2048, top: Int = 8, power: Double = 1) {
        self.candidates = candidates
        self.top = top
        self.power = power
    }

    /// The candidates, [candidates, k] row-major, each row summing to 1.
    public func drawCandidates(k: Int, random: inout Xoshiro256StarStar) -> [Float] {
        var c = [Float](repeating: 0, count: candidates * k)
        for row in 0..<candidates {
            var sum: Float = 0
            for j in 0..<k {
                let u = power == 1 ? random.uniform() : Float(pow(Double(random.uniform()), power))
                c[row * k + j] = u
                sum += u
            }
            let inv = sum > 0 ? 1 / sum : 0
            for j in 0..<k { c[row * k + j] = sum > 0 ? c[row * k + j] * inv : 1 / Float(k) }
        }
        return c
    }

    /// An exploration action: one or two random classes share the weight equally, split evenly
    /// among their configurations.
    public static func explorationAction(_ set: ConfigurationSet, random: inout Xoshiro256StarStar) -> [Float] {
        let classCount = set.classes.count
        var chosen = [random.below(classCount, by: .modulo)]
        if classCount > 1 && random.below(2, by: .modulo) == 1 {
            var other = random.below(classCount - 1, by: .modulo)
            if other >= chosen[0] { other += 1 }
            chosen.append(other)
        }
        var action = [Float](repeating: 0, count: set.count)
        for c in chosen {
            let members = set.members(ofClass: c)
            for k in members { action[k] = 1 / Float(chosen.count * members.count) }
        }
        return action
    }

    /// Scores [candidates] of each candidate row: the critic's prediction at the step that reads
    /// [currentLosses, candidate] after the history's recurrent state, class-scaled and summed.
    /// All candidates take that one step together (one matrix product per layer).
    public static func score(_ candidates: [Float], count: Int, critic: Critic, state: [[Float]],
                             currentLosses: [Float], classScale: [Double]) -> [Double] {
        let k = critic.configurationCount
        var input = [Float](repeating: 0, count: count * 2 * k)
        for row in 0..<count {
            for j in 0..<k {
                input[row * 2 * k + j] = currentLosses[j]
                input[row * 2 * k + k + j] = candidates[row * k + j]
            }
        }
        let predicted = critic.forward(input, batch: count, steps: 1, initial: state).output.array
        return (0..<count).map { row in
            (0..<k).reduce(0.0) { $0 + Double(predicted[row * k + $1]) * classScale[$1] }
        }
    }

    /// The mean of the `top` best-scoring candidates (ties broken by index), normalised to sum 1.
    public func combineBest(_ candidates: [Float], scores: [Double], k: Int) -> (mixture: [Double], meanScore: Double) {
        let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        let best = order.prefix(top)
        var mixture = [Double](repeating: 0, count: k)
        for row in best { for j in 0..<k { mixture[j] += Double(candidates[row * k + j]) } }
        let sum = mixture.reduce(0, +)
        let meanScore = best.reduce(0.0) { $0 + scores[$1] } / Double(best.count)
        return (mixture.map { $0 / sum }, meanScore)
    }
}
