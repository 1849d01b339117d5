import Foundation
import ToolSupport
import Randomness

/// A synthetic bandit for testing the controller: configuration k's loss falls towards a floor at
/// a hidden rate times its share of the mixture, plus noise:
///   L_k <- floor + (L_k - floor) · exp(-rate_k · share_k · Δ/1000) + noise · N(0,1),
/// with Δ counted in paper-scale steps (so the dynamics do not depend on the simulated run length).
public struct BanditSettings: Codable, Equatable, Sendable {
    public var configurations = 12
    /// How many configurations learn fast (chosen at random from the seed).
    public var fast = 3
    /// Classes: configuration k belongs to class k mod `classes` (nil: one class per configuration).
    public var classes: Int? = nil
    public var fastRate = 0.6
    public var slowRate = 0.01
    public var initialLoss = 4.0
    public var floorLoss = 1.0
    public var noise = 0.002

    public init() {}

    public init(configurations: Int, fast: Int, classes: Int?, fastRate: Double, slowRate: Double, noise: Double) {
        self.configurations = configurations; self.fast = fast; self.classes = classes
        self.fastRate = fastRate; self.slowRate = slowRate; self.noise = noise
    }

    public func configurationSet() throws -> ConfigurationSet {
        let width = String(configurations - 1).count
        func padded(_ i: Int) -> String { String(repeating: "0", count: max(0, width - String(i).count)) + String(i) }
        return try ConfigurationSet((0..<configurations).map { i in
            ControllerConfiguration(name: "c\(padded(i))", objectiveClass: "class\(padded(classes.map { i % $0 } ?? i))")
        })
    }
}

public struct Bandit: Sendable {
    public private(set) var losses: [Double]
    public let rates: [Double]
    public let fastConfigurations: [Int]
    let settings: BanditSettings
    let stepScale: Double
    var random: Xoshiro256StarStar

    public init(_ settings: BanditSettings, totalSteps: Int, seed: UInt64) {
        self.settings = settings
        var random = Xoshiro256StarStar(seed: seed ^ 0xB4D1_7000_0000_0001)
        var order = Array(0..<settings.configurations)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, random.below(i + 1, by: .modulo)) }
        fastConfigurations = order.prefix(settings.fast).sorted()
        rates = (0..<settings.configurations).map { order.prefix(settings.fast).contains($0) ? settings.fastRate : settings.slowRate }
        losses = (0..<settings.configurations).map { _ in settings.initialLoss + 0.5 * (random.unit() - 0.5) }
        stepScale = Double(EvaluationSchedule.paperSteps) / Double(totalSteps)
        self.random = random
    }

    /// Trains `steps` steps with `mixture`.
    public mutating func advance(mixture: [Double], steps: Int) {
        let f = settings.floorLoss
        for k in losses.indices {
            let decay = exp(-rates[k] * mixture[k] * Double(steps) * stepScale / 1000)
            losses[k] = max(f / 2, f + (losses[k] - f) * decay + settings.noise * random.standardNormal())
        }
    }

    public func mass(onFast mixture: [Double]) -> Double { fastConfigurations.reduce(0) { $0 + mixture[$1] } }
}

/// One evaluation of a simulated run: what the trainer reported and what it was told to do next.
public struct SimulationRow: Sendable {
    public var policy: String
    public var evaluation: Evaluation
    public var decision: Decision
    public var summedLoss: Double { evaluation.losses.reduce(0, +) }
}

public struct SimulationResult: Sendable {
    public var rows: [SimulationRow]
    /// Σ losses after the last step of the run.
    public var finalSummedLoss: Double
    public var fastConfigurations: [Int]
}

public enum Simulation {
    public enum Policy: String, Sendable, CaseIterable { case critic, uniform }

    /// Runs the bandit for `settings.totalSteps` steps, evaluating on the controller's schedule.
    /// `.critic` follows the controller; `.uniform` holds the starting mixture (same bandit noise).
    public static func run(_ policy: Policy, bandit banditSettings: BanditSettings,
                           controller settings: ControllerSettings) throws -> SimulationResult {
        let set = try banditSettings.configurationSet()
        let controller = try BirdieController(configurations: set, settings: settings)
        var bandit = Bandit(banditSettings, totalSteps: settings.totalSteps, seed: settings.seed)
        var mixture = set.startingMixture
        var rows: [SimulationRow] = []
        var last = 0
        for step in controller.schedule.evaluationSteps {
            bandit.advance(mixture: mixture, steps: step - last)
            last = step
            let evaluation = Evaluation(step: step, losses: bandit.losses, action: mixture)
            var decision: Decision
            switch policy {
            case .critic:
                decision = try controller.observe(evaluation)
            case .uniform:
                decision = Decision(step: step, phase: .warmup, mixture: set.startingMixture)
                if let previous = rows.last?.evaluation {
                    decision.rewards = Reward.values(old: previous.losses, new: evaluation.losses)
                    decision.totalReward = Reward.total(decision.rewards!, classScale: set.classScale)
                }
            }
            mixture = decision.mixture
            rows.append(SimulationRow(policy: policy.rawValue, evaluation: evaluation, decision: decision))
        }
        bandit.advance(mixture: mixture, steps: settings.totalSteps - last)
        return SimulationResult(rows: rows, finalSummedLoss: bandit.losses.reduce(0, +),
                                fastConfigurations: bandit.fastConfigurations)
    }

    /// A JSON line per row; its "step", "losses" and "action" keys are valid `critic` input.
    public static func jsonLine(_ row: SimulationRow, fast: [Int]) -> String {
        func list(_ v: [Double]) -> JSON { .array(v.map { .number($0) }) }
        let d = row.decision
        var members: [JSON.Member] = [
            .init("policy", .string(row.policy)), .init("step", .int(row.evaluation.step)), .init("losses", list(row.evaluation.losses)),
            .init("action", list(row.evaluation.action)), .init("phase", .string(d.phase.rawValue)), .init("mixture", list(d.mixture)),
            .init("summed_loss", .number(row.summedLoss)), .init("fast_mass", .number(fast.reduce(0) { $0 + d.mixture[$1] }))]
        if let r = d.totalReward { members.append(.init("reward", .number(r))) }
        if let p = d.predictedReward { members.append(.init("predicted", .number(p))) }
        if let c = d.criticLoss { members.append(.init("critic_loss", .number(c))) }
        return JSON.object(members).text()
    }

    public static func tsvHeader(_ set: ConfigurationSet) -> String {
        (["policy", "step", "phase", "summed_loss", "fast_mass", "reward"] + set.names.map { "loss_\($0)" }
            + set.names.map { "weight_\($0)" }).joined(separator: "\t")
    }

    public static func tsvLine(_ row: SimulationRow, fast: [Int]) -> String {
        let d = row.decision
        return ([row.policy, "\(row.evaluation.step)", d.phase.rawValue, "\(row.summedLoss)",
                 "\(fast.reduce(0) { $0 + d.mixture[$1] })", d.totalReward.map { "\($0)" } ?? ""]
                + row.evaluation.losses.map { "\($0)" } + d.mixture.map { "\($0)" }).joined(separator: "\t")
    }
}
