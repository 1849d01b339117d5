import Foundation
import Kernels
import ToolSupport

extension TrainCommand {
    /// `--profile`: the step's time by part, and the matrix products against the same shapes run
    /// alone on this machine now (the ceiling the model's products could reach).
    func reportProfile(steps: Int, tokens: Int, parameters: Int) {
        let seconds = StepProfile.seconds
        let total = seconds.values.reduce(0, +)
        var lines = [String(format: "train: profile of %d steps, %.1f s:", steps, total)]
        for part in StepProfile.Part.allCases {
            let s = seconds[part] ?? 0
            lines.append("  " + part.rawValue.padding(toLength: 44, withPad: " ", startingAt: 0)
                         + String(format: " %9.2f s %6.1f%%", s, 100 * s / max(total, 1e-12)))
        }
        // The ceiling at the model's shapes: each shape alone, weighted by how often a step ran it.
        var flops = 0.0, aloneSeconds = 0.0, inModelSeconds = 0.0
        lines.append("  matrix products by shape (m x n x k, op; calls; GFLOP/s in the model; the same shape alone):")
        for (shape, use) in StepProfile.products.sorted(by: { $0.key < $1.key }) {
            let alone = StepProfile.aloneSeconds(shape)
            flops += shape.flops * Double(use.count)
            inModelSeconds += use.seconds
            aloneSeconds += Double(use.count) * alone
            lines.append(String(format: "    %5d x %5d x %5d %@%@  %6d  %7.1f  %7.1f", shape.m, shape.n, shape.k,
                                shape.transA ? "T" : "N", shape.transB ? "T" : "N", use.count,
                                shape.flops * Double(use.count) / max(use.seconds, 1e-12) / 1e9, shape.flops / alone / 1e9))
        }
        let ceiling = (gflops: flops / max(aloneSeconds, 1e-12) / 1e9, inModel: flops / max(inModelSeconds, 1e-12) / 1e9)
        let squareShape = StepProfile.Shape(transA: false, transB: false, m: 2048, n: 2048, k: 2048)
        let square = squareShape.flops / StepProfile.aloneSeconds(squareShape) / 1e9
        let training = [StepProfile.Part.data, .gemm, .attention, .otherModel, .loss, .optimizer].reduce(0) { $0 + (seconds[$1] ?? 0) }
        let model = 6 * Double(parameters) * Double(tokens) / max(training, 1e-12) / 1e9
        lines.append(String(format: "train: sgemm ceiling at the model's shapes %.1f GFLOP/s (the products ran at %.1f inside the model); sgemm 2048^3 %.1f GFLOP/s", ceiling.gflops, ceiling.inModel, square))
        lines.append(String(format: "train: model %.1f GFLOP/s (6 x %d parameters x %d tokens / %.1f s of training steps) = %.0f%% of the ceiling at its shapes",
                            model, parameters, tokens, training, 100 * model / max(ceiling.gflops, 1e-12)))
        printError(lines.joined(separator: "\n"))
    }
}
