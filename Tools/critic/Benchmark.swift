import ArgumentParser
import Controller
import Foundation
import ToolSupport

struct Benchmark: ParsableCommand, HasExamples {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time one controller decision (critic training + candidate scoring) on synthetic data.")
    static let examples = ["critic bench --history 40 --configurations 104 --repeats 3"]

    @Option(help: "Evaluations in the history.")
    var history = 40
    @Option(help: "Configurations.")
    var configurations = 104
    @Option(help: "Timed decisions (the median is reported).")
    var repeats = 3

    @OptionGroup var controllerOptions: ControllerRun
    @OptionGroup var common: CommonOptions

    func validate() throws {
        try Limits.check(history, "--history", limit: 1 << 16)
        try Limits.check(configurations, "--configurations", limit: Limits.candidates)
        try Limits.check(repeats, "--repeats", limit: 1 << 10)
    }

    func run() throws {
        var settings = controllerOptions.settings(seed: common.seed)
        settings.totalSteps = 1_000_000
        var times: [Double] = [], cpuTimes: [Double] = []
        for r in 0..<repeats {
            let t = try DecisionBenchmark.time(configurations: configurations, history: history, settings: settings,
                                               seed: common.seed &+ UInt64(r))
            times.append(t.wall)
            cpuTimes.append(t.cpu)
            printError(String(format: "critic bench: decision %d: %.3f s wall, %.3f s CPU (critic loss %.4g)",
                              r + 1, t.wall, t.cpu, t.criticLoss ?? .nan))
        }
        let median = times.sorted()[times.count / 2], cpuMedian = cpuTimes.sorted()[cpuTimes.count / 2]
        try StandardStreams.printOutput(String(format: "critic decision: history %d, %d configurations, %d candidates, %d training steps, width %d x %d layers: median %.3f s wall, %.3f s CPU over %d",
                     history, configurations, settings.sampler.candidates, settings.training.steps,
                     settings.width, settings.layers, median, cpuMedian, repeats))
    }
}
