import ArgumentParser
import Controller
import Foundation
import ToolSupport

struct CriticCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "critic",
        abstract: "The Birdie controller as a Unix filter: evaluations in, the next mixture out.",
        discussion: """
            Reads one JSON line per evaluation on stdin (step, loss per configuration, the action \
            taken), for example:

              {"step": 500, "losses": {"sc-r15-m3-l128-256": 3.1, ...}, "action": {...}}

            and answers each with one JSON line holding the mixture to train with until the next \
            evaluation. The protocol, the state file and the errors are in docs/CRITIC.md.
            """,
        subcommands: [Filter.self, Simulate.self, Benchmark.self],
        defaultSubcommand: Filter.self)
}

/// Settings shared by the filter and the simulation.
struct ControllerOptions: ParsableArguments {
    @Option(help: "Training steps of the whole run (scales the schedule and the exploration decay).")
    var totalSteps = EvaluationSchedule.paperSteps

    @Flag(help: "Do not use exploration candidates.")
    var noExploration = false

    @Option(help: "Candidates drawn per decision.")
    var candidates = 2048

    @Option(help: "Raise each candidate's uniform draws to this power before normalising (1: the paper; 3-4 lets the mixture concentrate, docs/CRITIC.md).")
    var candidatePower = 1.0

    // The same names as `train`'s Birdie options, where --layers is the language model's.
    @Option(name: .customLong("critic-width"), help: "Critic width (channels).")
    var width = 256

    @Option(name: .customLong("critic-layers"), help: "Critic layers.")
    var layers = 4

    @Option(name: .customLong("critic-training-steps"), help: "AdamW steps of critic training after each evaluation.")
    var trainingSteps = 200

    func settings(seed: UInt64) -> ControllerSettings {
        var s = ControllerSettings(seed: seed, totalSteps: totalSteps)
        s.exploration = !noExploration
        s.sampler.candidates = candidates
        s.sampler.power = candidatePower
        s.width = width
        s.layers = layers
        s.training.steps = trainingSteps
        return s
    }

    func validate() throws {
        guard totalSteps > 0 else { throw ValidationError("--total-steps must be positive") }
        try Limits.check(totalSteps, "--total-steps", limit: Limits.steps)
        try Limits.check(candidatePower, "--candidate-power", in: 1e-3...1e3)
        guard candidates >= 8 else { throw ValidationError("--candidates must be at least 8") }
        try Limits.check(candidates, "--candidates", limit: Limits.candidates)
        try Limits.check(width, "--critic-width", limit: 1 << 14)
        try Limits.check(layers, "--critic-layers", limit: 64)
        try Limits.check(trainingSteps, "--critic-training-steps", limit: 1 << 20, allowZero: true)
        guard candidatePower > 0 else { throw ValidationError("--candidate-power must be positive") }
        guard width > 0, layers > 0, trainingSteps >= 0 else {
            throw ValidationError("--width and --layers must be positive, --training-steps non-negative")
        }
    }
}
