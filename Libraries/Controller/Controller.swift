import CBLAS
import Foundation
import Randomness

/// Settings of the Birdie controller; the same settings and seed give the same decisions.
public struct ControllerSettings: Codable, Equatable, Sendable {
    public var seed: UInt64 = 1
    /// The length of the training run in steps (scales the schedule and the exploration decay).
    public var totalSteps = EvaluationSchedule.paperSteps
    public var exploration = true
    public var width = 256
    public var layers = 4
    public var training = CriticTraining()
    public var sampler = ActionSampler()

    public init(seed: UInt64 = 1, totalSteps: Int = EvaluationSchedule.paperSteps) {
        self.seed = seed
        self.totalSteps = totalSteps
    }
}

/// One evaluation as the trainer reports it: the step, the validation loss per configuration,
/// and the mixture used for training since the previous evaluation (same order as the configurations).
public struct Evaluation: Codable, Equatable, Sendable {
    public var step: Int
    public var losses: [Double]
    public var action: [Double]

    public init(step: Int, losses: [Double], action: [Double]) {
        self.step = step
        self.losses = losses
        self.action = action
    }
}

/// The controller's answer to one evaluation: the mixture to train with until the next one.
public struct Decision: Codable, Equatable, Sendable {
    public enum Phase: String, Codable, Sendable {
        case warmup     // before the schedule's warm-up end: the starting mixture
        case critic     // chosen by the critic
        case skipped    // the evaluation was unusable (non-finite loss): the mixture is unchanged
    }
    public var step: Int
    public var phase: Phase
    public var mixture: [Double]
    /// Per-configuration rewards since the previous evaluation (nil at the first one).
    public var rewards: [Double]?
    /// Σ class-scaled rewards.
    public var totalReward: Double?
    /// The critic's mean score of the chosen top candidates (critic phase only).
    public var predictedReward: Double?
    /// The critic's training error (MSE) after its last training step.
    public var criticLoss: Double?
    /// Whether an exploration candidate was among the candidates.
    public var explored = false
    /// Why an evaluation was skipped.
    public var note: String?
}

/// The Birdie controller: feed it each evaluation, train with the mixture it returns.
///
///     let controller = try BirdieController(configurations: set, settings: settings)
///     var mixture = controller.mixture                 // the starting mixture
///     for step in 1...total {
///         train one step with `mixture`
///         if controller.schedule.isEvaluation(step: step) {
///             let losses = validation loss per configuration
///             mixture = try controller.observe(Evaluation(step: step, losses: losses, action: mixture)).mixture
///         }
///     }
///
/// The `critic` tool runs exactly this object behind a JSON-lines pipe; both give the same decisions.
public final class BirdieController {
    public let configurations: ConfigurationSet
    public let settings: ControllerSettings
    public let schedule: EvaluationSchedule
    public internal(set) var history: [Evaluation] = []
    /// The mixture currently in force (the last decision's).
    public internal(set) var mixture: [Double]
    public let critic: Critic
    /// The name of the grid the configurations come from, if any (kept in the state file).
    public var grid: String?
    var random: Xoshiro256StarStar

    public init(configurations: ConfigurationSet, settings: ControllerSettings) throws {
        guard settings.totalSteps > 0 else { throw ControllerError.invalid("total steps must be positive") }
        guard settings.sampler.candidates >= 1, settings.sampler.top >= 1,
              settings.sampler.top <= settings.sampler.candidates else {
            throw ControllerError.invalid("need 1 <= top <= candidates")
        }
        self.configurations = configurations
        self.settings = settings
        schedule = EvaluationSchedule(totalSteps: settings.totalSteps)
        mixture = configurations.startingMixture
        random = Xoshiro256StarStar(seed: settings.seed)
        critic = Critic(configurations: configurations.count, width: settings.width, layers: settings.layers,
                        random: &random)
    }

    var k: Int { configurations.count }

    /// Records one evaluation, trains the critic on the whole history, and returns the next mixture.
    /// Throws ControllerError for input that breaks the protocol (wrong lengths, steps not increasing,
    /// an action that is not a probability vector). A non-finite or negative loss skips the evaluation
    /// (Decision.phase == .skipped, mixture unchanged, `note` says why).
    public func observe(_ evaluation: Evaluation) throws -> Decision {
        // The critic's matrices are small: one BLAS thread is faster (no spinning workers) and
        // makes the decisions independent of the caller's thread setting.
        let blasThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(blasThreads) }
        let e = try validated(evaluation)
        if let bad = e.losses.indices.first(where: { !e.losses[$0].isFinite || e.losses[$0] < 0 }) {
            return Decision(step: e.step, phase: .skipped, mixture: mixture,
                            note: "loss of '\(configurations.names[bad])' is \(e.losses[bad].isNaN ? "unusable (NaN, null or too large)" : "\(e.losses[bad])"); evaluation skipped, mixture unchanged")
        }
        let previous = history.last
        history.append(e)
        var decision = Decision(step: e.step, phase: .warmup, mixture: configurations.startingMixture)
        if let previous {
            let rewards = Reward.values(old: previous.losses, new: e.losses)
            decision.rewards = rewards
            decision.totalReward = Reward.total(rewards, classScale: configurations.classScale)
        }
        let (inputs, targets) = trainingSequence()
        let steps = history.count - 1
        if steps > 0 {
            decision.criticLoss = Double(critic.train(inputs: inputs, targets: targets, steps: steps,
                                                      training: settings.training, random: &random))
        }
        if e.step >= schedule.warmupEnd {
            decision.phase = .critic
            choose(into: &decision, historyInputs: inputs, steps: steps)
        }
        mixture = decision.mixture
        return decision
    }

    /// The critic's training data: step i reads [losses before, action taken] and should predict
    /// the rewards measured at the next evaluation. Inputs [n-1, 2k], targets [n-1, k].
    func trainingSequence() -> (inputs: [Float], targets: [Float]) {
        var inputs: [Float] = [], targets: [Float] = []
        for i in history.indices.dropFirst() {
            inputs += history[i - 1].losses.map(Float.init) + history[i].action.map(Float.init)
            targets += Reward.values(old: history[i - 1].losses, new: history[i].losses).map(Float.init)
        }
        return (inputs, targets)
    }

    private func choose(into decision: inout Decision, historyInputs: [Float], steps: Int) {
        let sampler = settings.sampler
        var candidates = sampler.drawCandidates(k: k, random: &random)
        if settings.exploration,
           random.unit() < schedule.explorationProbability(step: decision.step) {
            let action = ActionSampler.explorationAction(configurations, random: &random)
            for j in 0..<k { candidates[j] = action[j] }
            decision.explored = true
        }
        let state = critic.finalState(after: historyInputs, steps: steps)
        let current = history.last!.losses.map(Float.init)
        let scores = ActionSampler.score(candidates, count: sampler.candidates, critic: critic, state: state,
                                         currentLosses: current, classScale: configurations.classScale)
        let best = sampler.combineBest(candidates, scores: scores, k: k)
        decision.mixture = best.mixture
        decision.predictedReward = best.meanScore
    }

    func validated(_ e: Evaluation) throws -> Evaluation {
        guard e.losses.count == k else {
            throw ControllerError.invalid("step \(e.step): \(e.losses.count) losses for \(k) configurations")
        }
        guard e.action.count == k else {
            throw ControllerError.invalid("step \(e.step): action has \(e.action.count) weights for \(k) configurations")
        }
        if let last = history.last, e.step <= last.step {
            throw ControllerError.invalid("step \(e.step) does not come after the previous evaluation's step \(last.step)")
        }
        guard e.action.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw ControllerError.invalid("step \(e.step): action weights must be finite and non-negative")
        }
        let sum = e.action.reduce(0, +)
        guard abs(sum - 1) <= 1e-3 else {
            throw ControllerError.invalid("step \(e.step): action weights sum to \(sum), not 1")
        }
        var e = e
        e.action = e.action.map { $0 / sum }
        return e
    }
}

extension BirdieController {
    /// Appends evaluations to the history without training or deciding (benchmarks and tests that
    /// need a long history quickly). The critic is then trained only by later `observe` calls.
    public func preload<S: Sequence>(_ evaluations: S) where S.Element == Evaluation {
        history.append(contentsOf: evaluations)
    }
}
