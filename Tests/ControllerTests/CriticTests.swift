import Foundation
import Testing
@testable import Controller
import Randomness

@Suite struct CriticTests {
    /// A tiny critic and a sequence, for gradient checks.
    static func tinyCritic(seed: UInt64 = 3) -> (Critic, [Float], [Float], Int) {
        var random = Xoshiro256StarStar(seed: seed)
        let k = 3, steps = 4
        let critic = Critic(configurations: k, width: 6, layers: 2, random: &random)
        // Perturb every parameter so gains and biases are not at their initial 1 and 0.
        for i in critic.parameters.indices { critic.parameters[i] += Float(random.standardNormal() * 0.2) }
        let inputs = (0..<(steps * 2 * k)).map { _ in Float(0.2 + random.unit()) }
        let targets = (0..<(steps * k)).map { _ in Float(random.unit() - 0.5) }
        return (critic, inputs, targets, steps)
    }

    static func loss(_ critic: Critic, _ inputs: [Float], _ targets: [Float], _ steps: Int) -> Double {
        let out = critic.forward(inputs, batch: 1, steps: steps).output.array
        return zip(out, targets).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(out.count)
    }

    @Test func wholeBackwardMatchesFiniteDifferences() {
        let (critic, inputs, targets, steps) = Self.tinyCritic()
        let act = critic.forward(inputs, batch: 1, steps: steps)
        let (_, dOutput) = Critic.meanSquaredError(act.output, targets)
        for i in critic.gradients.indices { critic.gradients[i] = 0 }
        critic.backward(act, dOutput: dOutput)
        let analytic = critic.gradients
        // Every parameter, central differences.
        let h: Float = 1e-2
        var worst = 0.0
        for i in critic.parameters.indices {
            let saved = critic.parameters[i]
            critic.parameters[i] = saved + h
            let up = Self.loss(critic, inputs, targets, steps)
            critic.parameters[i] = saved - h
            let down = Self.loss(critic, inputs, targets, steps)
            critic.parameters[i] = saved
            let numeric = (up - down) / (2 * Double(h))
            let error = abs(numeric - Double(analytic[i])) / (1e-3 + abs(numeric))
            worst = max(worst, error)
            #expect(error < 0.05, "parameter \(i): analytic \(analytic[i]) numeric \(numeric)")
        }
        #expect(worst < 0.05)
        // A directional derivative over all parameters at once, tighter.
        var random = Xoshiro256StarStar(seed: 9)
        let direction = critic.parameters.map { _ in Float(random.standardNormal()) }
        let saved = critic.parameters
        let eps: Float = 1e-3
        critic.parameters = zip(saved, direction).map { $0 + eps * $1 }
        let up = Self.loss(critic, inputs, targets, steps)
        critic.parameters = zip(saved, direction).map { $0 - eps * $1 }
        let down = Self.loss(critic, inputs, targets, steps)
        critic.parameters = saved
        let numeric = (up - down) / (2 * Double(eps))
        let predicted = zip(analytic, direction).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        #expect(abs(numeric - predicted) <= 0.01 * abs(predicted) + 1e-4, "directional: \(numeric) vs \(predicted)")
    }

    @Test func trainingReducesTheError() {
        var random = Xoshiro256StarStar(seed: 4)
        let k = 4, steps = 10
        let critic = Critic(configurations: k, width: 32, layers: 2, random: &random)
        let inputs = (0..<(steps * 2 * k)).map { _ in Float(0.1 + random.unit()) }
        // Target: reward k = 2·(action k) - 0.5, something the critic can learn.
        var targets: [Float] = []
        for t in 0..<steps { for j in 0..<k { targets.append(2 * inputs[t * 2 * k + k + j] - 0.5) } }
        let before = Critic.meanSquaredError(critic.forward(inputs, batch: 1, steps: steps).output, targets).loss
        var training = CriticTraining()
        training.jitter = 0
        critic.train(inputs: inputs, targets: targets, steps: steps, training: training, random: &random)
        let after = Critic.meanSquaredError(critic.forward(inputs, batch: 1, steps: steps).output, targets).loss
        #expect(after < before * 0.2, "MSE \(before) -> \(after)")
    }

    @Test func cyclicLearningRate() {
        let t = CriticTraining()
        #expect(abs(t.learningRate(at: 0) - 5e-7) < 1e-12)
        #expect(abs(t.learningRate(at: 100) - 5e-4) < 1e-12)
        #expect(abs(t.learningRate(at: 50) - (5e-7 + (5e-4 - 5e-7) / 2)) < 1e-12)
        #expect(abs(t.learningRate(at: 200) - 5e-7) < 1e-12)
        #expect(t.learningRate(at: 150) < t.learningRate(at: 120))
    }

    /// The batched one-step scoring from the history's state must equal running the whole
    /// sequence history + candidate and reading the output AT the candidate's step, not after it.
    @Test func scoringReadsTheCandidatesOwnStep() {
        var random = Xoshiro256StarStar(seed: 5)
        let k = 3, history = 5
        let critic = Critic(configurations: k, width: 16, layers: 3, random: &random)
        let inputs = (0..<(history * 2 * k)).map { _ in Float(0.1 + random.unit()) }
        let losses: [Float] = [3.0, 2.5, 2.8]
        let candidates: [Float] = [0.2, 0.3, 0.5, 0.7, 0.2, 0.1]
        let state = critic.finalState(after: inputs, steps: history)
        let scale = [1.0, 1.0, 1.0]
        let scores = ActionSampler.score(candidates, count: 2, critic: critic, state: state,
                                         currentLosses: losses, classScale: scale)
        for c in 0..<2 {
            let step = losses + Array(candidates[(c * k)..<((c + 1) * k)])
            let padding = [Float](repeating: 0, count: 2 * k)
            let out = critic.predict(inputs + step + padding, steps: history + 2)
            let own = (0..<k).reduce(0.0) { $0 + Double(out[history * k + $1]) }
            let beyond = (0..<k).reduce(0.0) { $0 + Double(out[(history + 1) * k + $1]) }
            #expect(abs(scores[c] - own) < 1e-4)
            #expect(abs(scores[c] - beyond) > 1e-3)
        }
    }
}
