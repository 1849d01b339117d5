import Foundation
import Kernels
import ToolSupport

enum ProfileReport {
    /// `--profile`: the step's time by part, and the matrix products against the same shapes run
    /// alone on this machine now (the ceiling the model's products could reach).
    static func report(steps: Int, tokens: Int, parameters: Int) {
        let seconds = StepProfile.seconds
        let total = seconds.values.reduce(0, +)
        var lines = [String(format: "train: profile of %d steps, %.1f s:", steps, total)]
        for part in StepProfile.Part.allCases {
            let s = seconds[part] ?? 0
            lines.append("  " + part.rawValue.padding(toLength: 44, withPad: " ", startingAt: 0)
                         + String(format: " %9.2f s %6.1f%%", s, 100 * s / max(total, 1e-12)))
        }
        // The ceilings at the model's shapes: each shape alone, in fp32 (OpenBLAS sgemm) and in bf16
        // (this CPU's bf16 path, rounding included), weighted by how often a step ran it.
        let precisions = Precision.allCases
        var flops = 0.0, inModelSeconds = 0.0
        var aloneSeconds = [Precision: Double]()
        lines.append("  matrix products by shape (m x n x k, op; calls; GFLOP/s in the model (\(Engine.products.precision.rawValue)); the same shape alone in "
                     + precisions.map(\.rawValue).joined(separator: " and ") + "):")
        for (shape, use) in StepProfile.products.sorted(by: { $0.key < $1.key }) {
            let alone = precisions.map { StepProfile.aloneSeconds(shape, precision: $0) }
            flops += shape.flops * Double(use.count)
            inModelSeconds += use.seconds
            for (p, t) in zip(precisions, alone) { aloneSeconds[p, default: 0] += Double(use.count) * t }
            lines.append(String(format: "    %5d x %5d x %5d %@%@  %6d  %7.1f", shape.m, shape.n, shape.k,
                                shape.transA ? "T" : "N", shape.transB ? "T" : "N", use.count,
                                shape.flops * Double(use.count) / max(use.seconds, 1e-12) / 1e9)
                         + alone.map { String(format: "  %7.1f", shape.flops / $0 / 1e9) }.joined())
        }
        func gflops(_ p: Precision) -> Double { flops / max(aloneSeconds[p] ?? 0, 1e-12) / 1e9 }
        let squareShape = StepProfile.Shape(transA: false, transB: false, m: 2048, n: 2048, k: 2048)
        let square = precisions.map { String(format: "%@ %.1f", $0.rawValue, squareShape.flops / StepProfile.aloneSeconds(squareShape, precision: $0) / 1e9) }
        let ceiling = gflops(Engine.products.precision)
        let training = [StepProfile.Part.data, .gemm, .attention, .otherModel, .loss, .optimizer].reduce(0) { $0 + (seconds[$1] ?? 0) }
        let model = 6 * Double(parameters) * Double(tokens) / max(training, 1e-12) / 1e9
        lines.append("train: ceiling at the model's shapes: " + precisions.map { String(format: "%@ %.1f GFLOP/s", $0.rawValue, gflops($0)) }.joined(separator: ", ")
                     + String(format: " (the products ran at %.1f inside the model, in %@); 2048^3 alone: %@ GFLOP/s",
                              flops / max(inModelSeconds, 1e-12) / 1e9, Engine.products.precision.rawValue, square.joined(separator: ", ")))
        lines.append(String(format: "train: model %.1f GFLOP/s (6 x %d parameters x %d tokens / %.1f s of training steps) = %.0f%% of the %@ ceiling at its shapes",
                            model, parameters, tokens, training, 100 * model / max(ceiling, 1e-12), Engine.products.precision.rawValue))
        printError(lines.joined(separator: "\n"))
    }
}
