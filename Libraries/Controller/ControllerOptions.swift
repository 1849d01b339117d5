import ArgumentParser
import ToolSupport

/// The controller's flags, shared by `train --procedure birdie` and `critic`: the same flags, seed
/// and total steps give the same decisions in both (docs/CRITIC.md).
public struct ControllerOptions: ParsableArguments {
    @Option(help: "Candidate mixtures scored per decision (the paper: 2048).")
    public var candidates = 2048
    @Option(help: "Raise each candidate's uniform draws to this power before normalising (the paper: 1; 3-4 lets the mixture concentrate, docs/CRITIC.md).")
    public var candidatePower = 1.0
    @Option(help: "Critic width in channels (the paper: 256).")
    public var criticWidth = 256
    @Option(help: "Critic layers (the paper: 4).")
    public var criticLayers = 4
    @Option(help: "AdamW steps of critic training after each evaluation (the paper: 200).")
    public var criticTrainingSteps = 200
    @Flag(help: "Do not use exploration candidates.")
    public var noExploration = false

    public init() {}

    public func validate() throws {
        if candidates < 8 { throw ValidationError("--candidates must be at least 8") }
        try Limits.check(candidates, "--candidates", limit: Limits.candidates)
        try Limits.check(candidatePower, "--candidate-power", in: 1e-3...1e3)
        try Limits.check(criticWidth, "--critic-width", limit: 1 << 14)
        try Limits.check(criticLayers, "--critic-layers", limit: 64)
        try Limits.check(criticTrainingSteps, "--critic-training-steps", limit: 1 << 20, allowZero: true)
    }

    public func settings(seed: UInt64, totalSteps: Int) -> ControllerSettings {
        var s = ControllerSettings(seed: seed, totalSteps: totalSteps)
        s.exploration = !noExploration
        s.sampler.candidates = candidates
        s.sampler.power = candidatePower
        s.width = criticWidth
        s.layers = criticLayers
        s.training.steps = criticTrainingSteps
        return s
    }
}
