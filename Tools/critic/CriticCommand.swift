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

/// The controller's settings in every subcommand: the run's length, and the flags `train` shares.
struct ControllerRun: ParsableArguments {
    @Option(help: "Training steps of the whole run (scales the schedule and the exploration decay).")
    var totalSteps = EvaluationSchedule.paperSteps
    @OptionGroup var controller: ControllerOptions

    func validate() throws {
        try Limits.check(totalSteps, "--total-steps", limit: Limits.steps)
    }

    func settings(seed: UInt64) -> ControllerSettings { controller.settings(seed: seed, totalSteps: totalSteps) }
}
