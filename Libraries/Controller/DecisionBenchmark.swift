import Foundation
import Randomness

/// `critic bench`: one controller decision (critic training and candidate scoring) timed after a
/// synthetic history of evaluations, no training involved.
public enum DecisionBenchmark {
    public struct Timing: Sendable { public var wall: Double, cpu: Double, criticLoss: Double? }

    /// A fresh controller over `configurations` synthetic configurations (7 classes) is fed
    /// `history - 1` evaluations of falling noisy losses under random mixtures; the last is timed.
    public static func time(configurations: Int, history: Int, settings: ControllerSettings, seed: UInt64) throws -> Timing {
        let set = try ConfigurationSet((0..<configurations).map {
            ControllerConfiguration(name: "c\($0)", objectiveClass: "class\($0 % 7)")
        })
        let controller = try BirdieController(configurations: set, settings: settings)
        var random = Xoshiro256StarStar(seed: seed)
        var mixture = set.startingMixture
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
        return Timing(wall: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpu: processCPUSeconds() - cpuStart,
                      criticLoss: decision.criticLoss)
    }

    /// CPU time of this process (all threads), in seconds: a shared machine inflates wall time.
    static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
