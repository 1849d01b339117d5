import Foundation
import Randomness

/// How a tensor starts out.
public enum Initialization: Sendable, Equatable {
    case normal(std: Float)
    case constant(Float)
    /// Forget-gate bias: sigmoid(bias) uniform in [lo, hi].
    case gateBias(lo: Float, hi: Float)
    /// RG-LRU Lambda: exp(-softplus(Lambda)) = a0 with a0^2 uniform in [0.81, 0.998].
    case rglruLambda
}

/// One named tensor inside the flat parameter buffer.
public struct TensorSpec: Sendable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    /// AdamW weight decay applies (not to norms, biases, forget-gate weights).
    public let decay: Bool
    public let initialization: Initialization
    public var count: Int { shape.reduce(1, *) }
}

/// The one-buffer layout shared by parameters, gradients and both AdamW moments. Tensors are laid
/// out in the order they are added, so adjacent tensors (e.g. a forget-gate matrix followed by the
/// other input projections) can be multiplied with one sgemm.
public struct ParameterLayout: Sendable {
    public private(set) var tensors: [TensorSpec] = []
    public private(set) var count = 0

    mutating func add(_ name: String, _ shape: [Int], decay: Bool, _ initialization: Initialization) -> Int {
        let spec = TensorSpec(name: name, shape: shape, offset: count, decay: decay, initialization: initialization)
        tensors.append(spec)
        count += spec.count
        return spec.offset
    }

    public init() {}

    /// The layout of `config` (same order as Model builds it).
    public init(_ config: ModelConfig) {
        var plan = ModelPlan()
        plan.build(config, layout: &self)
    }

    /// 1 where weight decay applies, per parameter.
    public func decayMask() -> [Float] {
        var m = [Float](repeating: 0, count: count)
        for t in tensors where t.decay { for i in t.offset..<(t.offset + t.count) { m[i] = 1 } }
        return m
    }

    /// Fills `p` (count) from the tensors' initializations with a seeded generator.
    public func initialize(_ p: UnsafeMutablePointer<Float>, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for t in tensors {
            let base = p + t.offset
            for i in 0..<t.count {
                switch t.initialization {
                case .normal(let std): base[i] = std * rng.normal()
                case .constant(let v): base[i] = v
                case .gateBias(let lo, let hi):
                    let s = lo + (hi - lo) * rng.uniform()
                    base[i] = Foundation.log(s / (1 - s))
                case .rglruLambda:
                    let a0 = (0.81 + (0.998 - 0.81) * rng.uniform()).squareRoot()
                    let y = -Foundation.log(a0)             // softplus(Lambda)
                    base[i] = Foundation.log(Foundation.exp(y) - 1)
                }
            }
        }
    }
}
