import ArgumentParser
import Controller
import Foundation
import ToolSupport

struct Simulate: ParsableCommand, HasExamples {
    static let configuration = CommandConfiguration(
        abstract: "Run the controller against a synthetic bandit and write the trajectory.",
        discussion: """
            Each configuration's loss falls towards a floor at a hidden rate times its share of the
            mixture, plus noise; `--fast` of them (chosen from the seed) have the higher rate. Runs the
            controller and, for comparison, the uniform (starting) mixture on the same bandit, writes
            one row per evaluation and policy (JSONL, or TSV when the output ends in .tsv), and prints
            a summary on stderr. The critic rows' "step", "losses" and "action" are valid critic input.
            """)
    static let examples = ["critic simulate --configurations 12 --fast 3 --seed 1 -o critic-simulate.tsv"]

    @Option(help: "Configurations in the bandit.")
    var configurations = 12
    @Option(help: "How many configurations learn fast.")
    var fast = 3
    @Option(help: "Number of classes (configuration k is in class k mod N; default one class each).")
    var classes: Int?
    @Option(help: "Hidden rate of the fast configurations (per 1000 paper-scale steps at full share).")
    var fastRate = 0.6
    @Option(help: "Hidden rate of the others.")
    var slowRate = 0.01
    @Option(help: "Standard deviation of the loss noise per evaluation.")
    var noise = 0.002
    @Option(name: .shortAndLong, help: "Trajectory output ('-' for stdout; .tsv for TSV, else JSONL).")
    var output = "-"
    @Option(help: "Also write the bandit's configurations (critic --configurations input) here.")
    var configurationsOut: String?

    @OptionGroup var controllerOptions: ControllerRun
    @OptionGroup var common: CommonOptions

    func validate() throws {
        guard configurations >= 1, fast >= 0, fast <= configurations else {
            throw ValidationError("need --configurations >= 1 and 0 <= --fast <= --configurations")
        }
        if let classes, classes < 1 || classes > configurations { throw ValidationError("--classes must be in 1...configurations") }
        try Limits.check(configurations, "--configurations", limit: Limits.candidates)
        try Limits.check(fastRate, "--fast-rate", in: 0...1e6)
        try Limits.check(slowRate, "--slow-rate", in: 0...1e6)
        try Limits.check(noise, "--noise", in: 0...1e6)
    }

    func run() throws {
        try OutputFile.checkAtStart(outputs: [output, configurationsOut], inputs: [])
        let bandit = BanditSettings(configurations: configurations, fast: fast, classes: classes, fastRate: fastRate,
                                    slowRate: slowRate, noise: noise)
        let settings = controllerOptions.settings(seed: common.seed)
        let set = try bandit.configurationSet()
        let progress = Progress("critic simulate", mode: common.effectiveProgress)
        let critic = try Simulation.run(.critic, bandit: bandit, controller: settings)
        let uniform = try Simulation.run(.uniform, bandit: bandit, controller: settings)
        let fastSet = critic.fastConfigurations
        let tsv = output.hasSuffix(".tsv")
        var text = tsv ? Simulation.tsvHeader(set) + "\n" : ""
        for row in critic.rows + uniform.rows {
            text += (tsv ? Simulation.tsvLine(row, fast: fastSet) : Simulation.jsonLine(row, fast: fastSet)) + "\n"
        }
        if let path = configurationsOut {
            try OutputFile.write(Data(CriticProtocol.formatConfigurations(set).utf8), to: path)
        }
        try OutputFile.write(Data(text.utf8), to: output)
        let chosen = critic.rows.filter { $0.decision.phase == .critic }
        let masses = chosen.map { row in fastSet.reduce(0) { $0 + row.decision.mixture[$1] } }
        if !common.quiet {
            printError("critic simulate: fast configurations \(fastSet.map { set.names[$0] }.joined(separator: ","))")
            printError(String(format: "critic simulate: mass on the fast ones per decision: %@",
                              masses.map { String(format: "%.2f", $0) }.joined(separator: " ")))
            printError(String(format: "critic simulate: final summed loss %.4f with the critic, %.4f with the uniform mixture",
                              critic.finalSummedLoss, uniform.finalSummedLoss))
            progress.finish("\(critic.rows.count) evaluations")
        }
    }
}
