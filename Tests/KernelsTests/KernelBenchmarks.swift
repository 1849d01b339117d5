// Throughput of the kernels: not a test (it asserts nothing about speed); runs only when
// BIRDIE_BENCH is set, which `make bench-kernels` does. Prints one line per kernel.
import CBLAS
import Foundation
import Testing
@testable import Kernels

@Suite("KernelBenchmarks", .enabled(if: ProcessInfo.processInfo.environment["BIRDIE_BENCH"] != nil))
struct KernelBenchmarks {
    // The engine's reference shape: batch 8, length 512, 256 channels, vocabulary 512.
    static let (B, T, C, V) = (8, 512, 256, 512)
    static var n: Int { B * T * C }

    /// Median seconds of `repetitions` runs after one warm-up.
    func seconds(repetitions: Int = 7, _ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[repetitions / 2]
    }

    /// The yardstick of these memory-bound kernels, measured in the same run: GB/s (read + write)
    /// of a parallel copy of n floats (4 MB, so mostly cache), by worker count. A copy is limited
    /// by its writes: kernels that mostly read can pass 100% of it.
    static let copyBandwidth: [Int: Double] = {
        let src = [Float](repeating: 1, count: n), all = Parallel.workers
        var dst = [Float](repeating: 0, count: n)
        var result: [Int: Double] = [:]
        for workers in Set([1, all]) {
            Parallel.workers = workers
            let s = KernelBenchmarks().seconds {
                src.withUnsafeBufferPointer { from in dst.withUnsafeMutableBufferPointer { to in
                    let (f, t) = (from.baseAddress!, to.baseAddress!)
                    Parallel.ranges(n, minimum: 1 << 16) { r in (t + r.lowerBound).update(from: f + r.lowerBound, count: r.count) }
                } }
            }
            result[workers] = Double(8 * n) / s / 1e9
        }
        Parallel.workers = all
        // More workers may only help: a slower copy with more of them is their start-up cost.
        result[all] = max(result[all]!, result[1]!)
        return result
    }()

    /// Runs `body` with 1 worker and with all, printing element rate, memory traffic and its share
    /// of the copy ceiling.
    func report(_ name: String, elements: Int, bytes: Int, flops: Int = 0, _ body: () -> Void) {
        var line = name.padding(toLength: 30, withPad: " ", startingAt: 0)
        let all = Parallel.workers
        for workers in Set([1, all]).sorted() {
            Parallel.workers = workers
            let s = seconds(body)
            let gbs = Double(bytes) / s / 1e9
            line += String(format: "  %dT: %7.3f ms %6.2f Gelem/s %6.1f GB/s (%3.0f%% of copy)", workers, s * 1e3,
                           Double(elements) / s / 1e9, gbs, 100 * gbs / Self.copyBandwidth[workers]!)
            if flops > 0 { line += String(format: " %6.1f GFLOP/s", Double(flops) / s / 1e9) }
        }
        Parallel.workers = all
        print(line)
    }

    @Test func throughput() {
        var rng = TestRNG(seed: 99)
        let (B, T, C, V, n) = (Self.B, Self.T, Self.C, Self.V, Self.n)
        let x = Tensor(random: n, &rng, scale: 3), y = Tensor(count: n), z = Tensor(random: n, &rng), d = Tensor(count: n)
        let a = Tensor(random: n, &rng, scale: 0.4, offset: 0.5)
        let f = 4  // bytes per float
        print("kernel throughput, shape (B, T, C) = (\(B), \(T), \(C)), \(n) elements; median of 7")
        print("memory yardstick, a parallel copy of the same \(n) floats measured now (read-mostly kernels can pass 100%): "
              + Self.copyBandwidth.sorted { $0.key < $1.key }.map { String(format: "%dT %.1f GB/s", $0.key, $0.value) }.joined(separator: ", "))
        report("libm exp (scalar reference)", elements: n, bytes: 2 * f * n) { for i in 0..<n { y.p[i] = Foundation.exp(x.p[i]) } }
        report("FastMath.exp loop", elements: n, bytes: 2 * f * n) { for i in 0..<n { y.p[i] = FastMath.exp(x.p[i]) } }
        var sink: Float = 0
        report("Reduce.max", elements: n, bytes: f * n) { sink += Reduce.max(x.p, n) }
        report("Reduce.sum", elements: n, bytes: f * n) { sink += Reduce.sum(x.p, n) }
        report("Sigmoid.forward", elements: n, bytes: 2 * f * n) { Sigmoid.forward(x.p, y.p, count: n) }
        report("GeLU.forward", elements: n, bytes: 2 * f * n) { GeLU.forward(x.p, y.p, count: n) }
        report("GeLU.backward", elements: n, bytes: 4 * f * n) { GeLU.backward(x: x.p, dy: z.p, dx: d.p, count: n) }
        report("Softplus.forward", elements: n, bytes: 2 * f * n) { Softplus.forward(x.p, y.p, count: n) }
        var bf16 = [UInt16](repeating: 0, count: n)
        report("BF16.pack (bf16 operands)", elements: n, bytes: 6 * n) { BF16.pack(x.p, ld: C, rows: n / C, cols: C, into: &bf16) }
        report("SwiGLU forward (n/2 outputs)", elements: n / 2, bytes: 3 * f * n / 2) {
            GatedUnit.forward(.silu, gate: x.p, value: x.p + C / 2, out: y.p, rows: n / C, width: C / 2, inputStride: C)
        }
        report("SwiGLU backward", elements: n / 2, bytes: 7 * f * n / 2) {
            GatedUnit.backward(.silu, gate: x.p, value: x.p + C / 2, dout: z.p, dgate: d.p, dvalue: d.p + C / 2,
                               rows: n / C, width: C / 2, inputStride: C)
        }
        let rstd = Tensor(count: B * T), gain = Tensor(count: C, fill: 1)
        report("RMSNorm.forward", elements: n, bytes: 2 * f * n) {
            RMSNorm.forward(x: x.p, gain: gain.p, y: y.p, rstd: rstd.p, rows: B * T, channels: C)
        }
        report("RMSNorm.backward", elements: n, bytes: 4 * f * n) {
            RMSNorm.backward(x: x.p, gain: gain.p, rstd: rstd.p, dy: z.p, dx: d.p, dGain: gain.p, rows: B * T, channels: C)
        }
        let segments = [Int32]((0..<B * T).map { Int32($0 / 100 + 1) })
        let causal = [Bool]((0..<B * T).map { $0 % 100 >= 60 })
        let fwd = Tensor(count: B * T), rev = Tensor(count: B * T)
        segments.withUnsafeBufferPointer { s in
            causal.withUnsafeBufferPointer { k in
                ScanCarry.forward(segments: s.baseAddress!, carry: fwd.p, batch: B, time: T)
                ScanCarry.reverse(segments: s.baseAddress!, causal: k.baseAddress!, carry: rev.p, batch: B, time: T)
            }
        }
        report("LinearScan.forward", elements: n, bytes: 3 * f * n, flops: 2 * n) {
            LinearScan.forward(.forward, a: a.p, x: x.p, h: y.p, carry: fwd.p, batch: B, time: T, channels: C, stride: C)
        }
        report("LinearScan.forward reverse", elements: n, bytes: 3 * f * n, flops: 2 * n) {
            LinearScan.forward(.reverse, a: a.p, x: x.p, h: y.p, carry: rev.p, batch: B, time: T, channels: C, stride: C)
        }
        report("LinearScan.backward", elements: n, bytes: 6 * f * n, flops: 5 * n) {
            LinearScan.backward(.forward, a: a.p, h: y.p, carry: fwd.p, dh: z.p, da: d.p, dx: d.p, batch: B, time: T, channels: C, stride: C)
        }
        let w = Tensor(random: 4 * C, &rng), bias = Tensor(count: C), dw = Tensor(count: 4 * C)
        segments.withUnsafeBufferPointer { s in
            report("Conv1D.forward (k=4)", elements: n, bytes: 2 * f * n, flops: 8 * n) {
                Conv1D.forward(x: x.p, weight: w.p, bias: bias.p, y: y.p, segments: s.baseAddress!, batch: B, time: T, channels: C)
            }
            report("Conv1D.backward", elements: n, bytes: 4 * f * n, flops: 16 * n) {
                Conv1D.backward(x: x.p, weight: w.p, dy: z.p, dx: d.p, dWeight: dw.p, dBias: bias.p, segments: s.baseAddress!,
                                batch: B, time: T, channels: C)
            }
        }
        let lambda = Tensor(random: C, &rng), dl = Tensor(count: C), d2 = Tensor(count: n), d3 = Tensor(count: n)
        report("RGLRU.forward", elements: n, bytes: 4 * f * n) {
            RGLRU.forward(.forward, u: x.p, rPre: z.p, iPre: a.p, lambda: lambda.p, carry: fwd.p, h: y.p, batch: B, time: T, channels: C, stride: C)
        }
        report("RGLRU.backward", elements: n, bytes: 8 * f * n) {
            RGLRU.backward(.forward, u: x.p, rPre: z.p, iPre: a.p, lambda: lambda.p, carry: fwd.p, h: y.p, dh: z.p,
                           du: d.p, drPre: d2.p, diPre: d3.p, dLambda: dl.p, batch: B, time: T, channels: C, stride: C)
        }
        let logits = Tensor(random: B * T * V, &rng, scale: 3), dLogits = Tensor(count: B * T * V)
        let labels = [Int32]((0..<B * T).map { $0 % 5 == 0 ? -1 : Int32($0 % V) })
        labels.withUnsafeBufferPointer { l in
            report("CrossEntropy (V=\(V))", elements: B * T * V, bytes: 2 * f * B * T * V) {
                _ = CrossEntropy.forwardBackward(logits: logits.p, labels: l.baseAddress!, dLogits: dLogits.p, gradScale: 1e-3,
                                                 rows: B * T, vocab: V)
            }
        }
        // The model's head at the ablation size: 4096 rows of a 4096-token vocabulary (67 MB, out of cache).
        let (rows, vocab) = (4096, 4096)
        let headLogits = Tensor(random: rows * vocab, &rng, scale: 3)
        let headLabels = [Int32]((0..<rows).map { Int32($0 % vocab) })
        headLabels.withUnsafeBufferPointer { l in
            report("CrossEntropy (V=\(vocab)) in place", elements: rows * vocab, bytes: 2 * f * rows * vocab) {
                _ = CrossEntropy.forwardBackward(logits: headLogits.p, labels: l.baseAddress!, dLogits: headLogits.p,
                                                 gradScale: 1e-3, rows: rows, vocab: vocab)
            }
        }
        let p = 4 << 20
        let params = Tensor(random: p, &rng), grads = Tensor(random: p, &rng), m = Tensor(count: p), v = Tensor(count: p)
        let mask = Tensor(count: p, fill: 1)
        report("AdamW (4M parameters)", elements: p, bytes: 9 * f * p) {
            AdamW().update(params: params.p, grads: grads.p, m: m.p, v: v.p, decayMask: mask.p, count: p, learningRate: 1e-3, step: 3)
        }
        #expect(sink.isFinite)
        // The products: Linear at the engine's shape in fp32 and in bf16, against the same shape and
        // 2048^3 alone in the same run (the ceilings), OpenBLAS threads as configured.
        let wide = Tensor(random: 4 * C * C, &rng), out = Tensor(count: B * T * 4 * C)
        let shape = StepProfile.Shape(transA: false, transB: true, m: B * T, n: 4 * C, k: C)
        let square = StepProfile.Shape(transA: false, transB: false, m: 2048, n: 2048, k: 2048)
        // bf16 first (this CPU's path): OpenBLAS's threads spin for a while after an fp32 product
        // and would take a core from oneDNN.
        for precision in [Precision.bf16, .fp32] {
            Engine.configure(threads: Parallel.workers, precision: PrecisionChoice(precision))
            let linear = shape.flops / seconds {
                Linear.forward(x: x.p, weight: wide.p, bias: nil, y: out.p, rows: B * T, inFeatures: C, outFeatures: 4 * C)
            } / 1e9
            Engine.configure(threads: Parallel.workers, precision: .fp32)
            let alone = shape.flops / StepProfile.aloneSeconds(shape, precision: precision) / 1e9
            let squareGFLOPs = square.flops / StepProfile.aloneSeconds(square, precision: precision) / 1e9
            print(String(format: "Linear %@ (%d x %d x %d): %.1f GFLOP/s; the same product alone %.1f (%.0f%%), 2048^3 alone %.1f",
                         precision == .bf16 ? "bf16 (\(BF16Path.here.rawValue) path)" : "fp32", B * T, 4 * C, C, linear, alone,
                         100 * linear / alone, squareGFLOPs))
        }
    }
}
