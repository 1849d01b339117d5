import ArgumentParser
import Controller
import Foundation
import ToolSupport
import Randomness

struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time one controller decision (critic training + candidate scoring) on synthetic data.")

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
        let set = try ConfigurationSet((0..<configurations).map {
            ControllerConfiguration(name: "c\($0)", objectiveClass: "class\($0 % 7)")
        })
        var settings = controllerOptions.settings(seed: common.seed)
        settings.totalSteps = 1_000_000
        var times: [Double] = [], cpuTimes: [Double] = []
        for r in 0..<repeats {
            let controller = try BirdieController(configurations: set, settings: settings)
            var random = Xoshiro256StarStar(seed: common.seed &+ UInt64(r))
            var mixture = set.startingMixture
            // Fill the history without training: the timed call is the last (history-th) evaluation.
            var evaluations: [Evaluation] = []
            for i in 0..<history {
                let losses = (0..<configurations).map { _ in 4 - 2 * Double(i) / Double(history) + 0.1 * random.unit() }
                evaluations.append(Evaluation(step: 1000 * (i + 1), losses: losses, action: mixture))
                let raw = (0..<configurations).map { _ in random.unit() + 0.01 }
                let sum = raw.reduce(0, +)
                mixture = raw.map { $0 / sum }
            }
            controller.preload(evaluations.dropLast())
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = processCPUSeconds()
            let decision = try controller.observe(evaluations.last!)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let cpu = processCPUSeconds() - cpuStart
            times.append(seconds)
            cpuTimes.append(cpu)
            printError(String(format: "critic bench: decision %d: %.3f s wall, %.3f s CPU (critic loss %.4g)",
                              r + 1, seconds, cpu, decision.criticLoss ?? .nan))
        }
        let median = times.sorted()[times.count / 2], cpuMedian = cpuTimes.sorted()[cpuTimes.count / 2]
        try StandardStreams.printOutput(String(format: "critic decision: history %d, %d configurations, %d candidates, %d training steps, width %d x %d layers: median %.3f s wall, %.3f s CPU over %d",
                     history, configurations, settings.sampler.candidates, settings.training.steps,
                     settings.width, settings.layers, median, cpuMedian, repeats))
    }
}

/// CPU time of this process (all threads), in seconds: a shared machine inflates wall time.
func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
