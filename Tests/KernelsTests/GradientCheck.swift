// Reusable finite-difference gradient checking for kernel and block tests (attention and the
// engine reuse this file's helpers: copy nothing, just call checkGradient).
import Randomness
import Testing

/// Test data comes from the project's SplitMix64, so it is the same on every run.
typealias TestRNG = SplitMix64

extension SplitMix64 {
    /// Uniform in [-scale, scale).
    mutating func symmetric(_ scale: Float = 1) -> Float { (2 * uniform() - 1) * scale }
    mutating func index(_ n: Int) -> Int { below(n, by: .modulo) }
}

/// A heap buffer of floats with a stable pointer, for calling the pointer-based kernels in tests.
final class Tensor {
    let count: Int
    let p: UnsafeMutablePointer<Float>
    init(count: Int, fill: Float = 0) {
        self.count = count
        p = .allocate(capacity: max(count, 1))
        p.initialize(repeating: fill, count: max(count, 1))
    }
    convenience init(_ values: [Float]) {
        self.init(count: values.count)
        for i in 0..<count { p[i] = values[i] }
    }
    /// Uniform in [-scale, scale) (plus `offset`).
    convenience init(random count: Int, _ rng: inout TestRNG, scale: Float = 1, offset: Float = 0) {
        self.init(count: count)
        for i in 0..<count { p[i] = offset + rng.symmetric(scale) }
    }
    deinit { p.deallocate() }
    var array: [Float] { Array(UnsafeBufferPointer(start: p, count: count)) }
    subscript(i: Int) -> Float {
        get { p[i] }
        set { p[i] = newValue }
    }
    func zero() { p.update(repeating: 0, count: count) }
    func copy() -> Tensor { Tensor(array) }
}

/// sum_i out[i] * weights[i] in Double: a scalar loss whose gradient w.r.t. out is `weights`.
func projection(_ out: Tensor, _ weights: Tensor) -> Double {
    var s = 0.0
    for i in 0..<out.count { s += Double(out[i]) * Double(weights[i]) }
    return s
}

struct GradientComparison {
    /// max over checked entries of |analytic - numeric| / max(|analytic|, |numeric|, floor),
    /// floor = 1e-2 * max |numeric| (so entries near zero are judged on the gradient's scale).
    var maxError: Double
    var worstIndex: Int
    var analytic: Double
    var numeric: Double
}

enum GradientCheck {
    /// Central differences (loss(x + eps) - loss(x - eps)) / 2eps at `indices`, perturbing `x` in
    /// place and restoring it. `loss` must recompute everything from `x` (a full forward pass).
    /// Float32 kernels are fine here when the loss is summed in Double (see `projection`): outputs
    /// the perturbation does not reach are bitwise equal in both evaluations and cancel exactly, so
    /// the noise is only the rounding of the outputs that do change, ~1e-7 relative, / 2eps.
    static func numeric(_ x: Tensor, indices: [Int], epsilon: Float, loss: () -> Double) -> [Double] {
        indices.map { i in
            let saved = x[i]
            x[i] = saved + epsilon
            let up = loss()
            x[i] = saved - epsilon
            let down = loss()
            x[i] = saved
            // Use the step actually represented in Float, not the nominal one.
            let h = Double(saved + epsilon) - Double(saved - epsilon)
            return (up - down) / h
        }
    }

    static func compare(analytic: [Double], numeric: [Double], indices: [Int]) -> GradientComparison {
        let scale = numeric.map(abs).max() ?? 0
        let floor = max(1e-2 * scale, 1e-9)
        var worst = GradientComparison(maxError: 0, worstIndex: -1, analytic: 0, numeric: 0)
        for k in numeric.indices {
            let a = analytic[k], n = numeric[k]
            let e = abs(a - n) / max(abs(a), abs(n), floor)
            if e > worst.maxError || worst.worstIndex < 0 {
                worst = GradientComparison(maxError: e, worstIndex: indices[k], analytic: a, numeric: n)
            }
        }
        return worst
    }

    /// Indices to check: all when small, else `samples` distinct random ones (seeded).
    static func sampleIndices(count: Int, samples: Int, seed: UInt64) -> [Int] {
        if count <= samples { return Array(0..<count) }
        var rng = TestRNG(seed: seed)
        var picked = Set<Int>()
        while picked.count < samples { picked.insert(rng.index(count)) }
        return picked.sorted()
    }
}

/// Expects that `analytic` (the kernel's gradient w.r.t. `input`) matches central differences of
/// `loss`, and that the same comparison would reject a gradient 5% wrong in its largest entry
/// (so the check itself is shown able to fail). Returns the comparison for further expectations.
@discardableResult
func checkGradient(_ name: String, input: Tensor, analytic: Tensor, epsilon: Float = 1e-2,
                   tolerance: Double = 1e-2, samples: Int = 48, seed: UInt64 = 7,
                   sourceLocation: SourceLocation = #_sourceLocation,
                   loss: () -> Double) -> GradientComparison {
    precondition(input.count == analytic.count, "\(name): gradient and input sizes differ")
    let indices = GradientCheck.sampleIndices(count: input.count, samples: samples, seed: seed)
    let numeric = GradientCheck.numeric(input, indices: indices, epsilon: epsilon, loss: loss)
    let analyticValues = indices.map { Double(analytic[$0]) }
    let result = GradientCheck.compare(analytic: analyticValues, numeric: numeric, indices: indices)
    #expect(result.maxError <= tolerance,
            "\(name): gradient error \(result.maxError) at \(result.worstIndex): analytic \(result.analytic), numeric \(result.numeric)",
            sourceLocation: sourceLocation)
    #expect(numeric.contains { $0 != 0 }, "\(name): numeric gradient is all zero; the check tests nothing",
            sourceLocation: sourceLocation)
    // Sensitivity: a deliberately wrong gradient must be rejected.
    if let largest = numeric.indices.max(by: { abs(numeric[$0]) < abs(numeric[$1]) }) {
        var wrong = analyticValues
        wrong[largest] += 0.05 * numeric[largest]
        let broken = GradientCheck.compare(analytic: wrong, numeric: numeric, indices: indices)
        #expect(broken.maxError > tolerance, "\(name): the check would not catch a 5% error",
                sourceLocation: sourceLocation)
    }
    return result
}
