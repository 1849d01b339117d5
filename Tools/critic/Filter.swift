import ArgumentParser
import Controller
import Foundation
import Kernels
import ToolSupport

struct Filter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Read evaluations (JSON lines) and write the next mixture after each (the default).",
        discussion: """
        Example: critic --configurations Libraries/Objectives/Resources/grids/light.json --state c.state < evals.jsonl
        """)

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
        let (controller, grid) = try makeController()
        let reader = input == "-" ? STDIN_FILENO : open(input, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { throw ToolError.badInput(input, "cannot open", fix: "check the path") }
        defer { if reader != STDIN_FILENO { close(reader) } }
        let out = try OutputFile(output)
        try CriticRun(controller: controller, grid: grid, statePath: state).answer(
            reader, name: input == "-" ? "<stdin>" : input, verbose: common.verbose,
            note: { if !common.quiet { printError("critic: \($0)") } },
            write: { try out.write($0 + "\n") })
        try out.commit()
    }

    /// The controller (resumed from --state when it exists) and the grid name for output lines.
    private func makeController() throws -> (BirdieController, String?) {
        var given: ConfigurationSet?, grid: String?
        if let path = configurations {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ToolError.badInput(path, "cannot read", fix: "check the path")
            }
            do { (given, grid) = try CriticProtocol.readConfigurations(data, source: path) }
            catch let e as ControllerError { throw ToolError(.dataError, e.description + "; see docs/CRITIC.md") }   // names the path
        }
        if let state, let data = FileManager.default.contents(atPath: state) {
            let controller: BirdieController
            do { controller = try BirdieController(state: data, source: state) }
            catch let e as ControllerError { throw ToolError(.dataError, e.description) }
            if let given, given != controller.configurations {
                throw ToolError.badInput(state, "holds other configurations than \(configurations!)",
                                         fix: "use the state file of this run, or delete it to start afresh")
            }
            if !common.quiet {
                printError("critic: resuming from \(state) after \(controller.history.count) evaluations (its settings apply)")
            }
            return (controller, grid ?? controller.grid)
        }
        guard let given else {
            throw ToolError.usage("critic: --configurations is required (no state file to resume from)")
        }
        do {
            let controller = try BirdieController(configurations: given, settings: controllerOptions.settings(seed: common.seed))
            controller.grid = grid
            return (controller, grid)
        }
        catch let e as ControllerError { throw ToolError.usage("critic: \(e.description)") }
    }
}
