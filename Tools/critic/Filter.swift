import ArgumentParser
import Controller
import Foundation
import Kernels
import ToolSupport

struct Filter: ParsableCommand, HasExamples {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Read evaluations (JSON lines) and write the next mixture after each.")
    static let examples = ["critic --configurations Libraries/Objectives/Resources/grids/light.json --state c.state < evals.jsonl"]

    @Option(help: "The configurations: a grid file (Objectives, docs/FORMATS.md) or a JSON array of {\"name\", \"class\"}; optional when --state exists.")
    var configurations: String?

    @Option(help: "State file: loaded if it exists, rewritten atomically after every decision, so a restarted critic continues exactly.")
    var state: String?

    @Argument(help: "Evaluations to read ('-' for stdin).")
    var input = "-"

    @Option(name: .shortAndLong, help: "Where to write decisions: '-' for stdout, answered line by line; a file appears whole when the input ends.")
    var output = "-"

    @OptionGroup var controllerOptions: ControllerRun
    @OptionGroup var common: CommonOptions

    func run() throws {
        // The same OpenBLAS kernels as `train` (which does this too), so both make the same decisions.
        Engine.prepareProcess()
        try OutputFile.checkAtStart(outputs: [output, state], inputs: [input, configurations])
        let note: (String) -> Void = { if !common.quiet { printError("critic: \($0)") } }
        let run = try CriticRun.start(configurations: configurations, statePath: state,
                                      settings: controllerOptions.settings(seed: common.seed), note: note)
        let reader = input == "-" ? STDIN_FILENO : open(input, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { throw ToolError.badInput(input, "cannot open", fix: "check the path") }
        defer { if reader != STDIN_FILENO { close(reader) } }
        let out = try OutputFile(output)
        try run.answer(reader, name: input == "-" ? "<stdin>" : input, verbose: common.verbose, note: note,
                       write: { try out.write($0 + "\n") })
        try out.commit()
    }
}
