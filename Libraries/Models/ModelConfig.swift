import Foundation

/// The four architectures of docs/METHOD.md section 5.
public enum ModelKind: String, CaseIterable, Codable, Sendable {
    case gatedSSM = "gated-ssm"
    case gatedSSMPlus = "gated-ssm-plus"
    case hawk
    case transformer
}

/// A constraint on a kind's shapes beyond positive sizes (`ModelConfig.validationProblem`).
public enum ShapeRule: Sendable {
    /// The recurrent state splits into a forward and a reverse half (bidirectional form).
    case evenState
    /// The heads split d-model into heads of even width (rotary embeddings rotate pairs).
    case evenHeads
}

extension ModelKind {
    /// The shape rules this kind needs. No default: a new kind does not compile until it says which.
    public var shapeRules: [ShapeRule] {
        switch self {
        case .gatedSSM, .gatedSSMPlus, .hawk: [.evenState]
        case .transformer: [.evenHeads]
        }
    }
}

/// The feed-forward block after a mixer (none for the fused gated SSM).
public enum MLPKind: String, Codable, Sendable {
    case none
    case swiglu   // silu(a) * b, expansion 8/3 (gated-ssm-plus, transformer uses 3)
    case geglu    // gelu(a) * b (hawk)
    case gelu     // plain gelu(a) (the PyTorch reference benchmark)
}

/// Everything that fixes a model's shapes. Stored in a checkpoint's metadata.
public struct ModelConfig: Codable, Equatable, Sendable {
    public var kind: ModelKind
    public var vocab: Int
    public var dModel: Int
    public var layers: Int
    /// Recurrent width (state channels); unused by the transformer.
    public var state: Int
    public var mlp: MLPKind
    public var mlpHidden: Int
    public var heads: Int
    /// Bidirectional-prefix form: every other recurrent layer (0, 2, ...) splits its state into a
    /// forward and a reverse half; the transformer uses prefix-LM attention.
    public var bidirectional: Bool

    public init(kind: ModelKind, vocab: Int, dModel: Int, layers: Int, state: Int, mlp: MLPKind,
                mlpHidden: Int, heads: Int, bidirectional: Bool) {
        self.kind = kind; self.vocab = vocab; self.dModel = dModel; self.layers = layers
        self.state = state; self.mlp = mlp; self.mlpHidden = mlpHidden; self.heads = heads
        self.bidirectional = bidirectional
    }

    /// Size presets: model width and depth; each kind's widths are chosen so that every layer has
    /// about 13 d^2 parameters, keeping the four models within 10% of each other.
    public static let presets: [(name: String, dModel: Int, layers: Int)] = [
        ("tiny", 32, 2), ("small", 256, 6), ("base", 512, 8), ("large", 768, 12),
    ]

    public static func preset(_ name: String, kind: ModelKind, vocab: Int, bidirectional: Bool) -> ModelConfig? {
        guard let p = presets.first(where: { $0.name == name }) else { return nil }
        return sized(kind: kind, vocab: vocab, dModel: p.dModel, layers: p.layers, bidirectional: bidirectional)
    }

    /// The widths of `kind` at model width `d` (per layer: gated-ssm 5 d s with s = 13 d / 5;
    /// gated-ssm-plus 5 d^2 + SwiGLU 8 d^2; hawk 5 d^2 + GeGLU 8 d^2; transformer 4 d^2 + SwiGLU 9 d^2).
    public static func sized(kind: ModelKind, vocab: Int, dModel d: Int, layers: Int, bidirectional: Bool) -> ModelConfig {
        func round8(_ x: Double) -> Int { max(8, Int((x / 8).rounded()) * 8) }
        switch kind {
        case .gatedSSM:
            return ModelConfig(kind: kind, vocab: vocab, dModel: d, layers: layers, state: round8(13 * Double(d) / 5),
                               mlp: .none, mlpHidden: 0, heads: 0, bidirectional: bidirectional)
        case .gatedSSMPlus:
            return ModelConfig(kind: kind, vocab: vocab, dModel: d, layers: layers, state: d,
                               mlp: .swiglu, mlpHidden: round8(8 * Double(d) / 3), heads: 0, bidirectional: bidirectional)
        case .hawk:
            return ModelConfig(kind: kind, vocab: vocab, dModel: d, layers: layers, state: d,
                               mlp: .geglu, mlpHidden: round8(8 * Double(d) / 3), heads: 0, bidirectional: bidirectional)
        case .transformer:
            return ModelConfig(kind: kind, vocab: vocab, dModel: d, layers: layers, state: 0,
                               mlp: .swiglu, mlpHidden: 3 * d, heads: max(2, d / 64), bidirectional: bidirectional)
        }
    }

    /// A usage problem with the shapes, or nil: the rules every kind keeps, then its own.
    public func validationProblem() -> String? {
        if vocab < 2 { return "vocabulary must have at least 2 tokens" }
        if dModel < 2 || layers < 1 { return "d-model and layers must be positive" }
        for rule in kind.shapeRules {
            switch rule {
            case .evenState:
                if state < 2 || state % 2 != 0 { return "state must be even and at least 2" }
            case .evenHeads:
                if heads < 1 || dModel % heads != 0 || (dModel / heads) % 2 != 0 { return "d-model must split into heads of even size" }
            }
        }
        if mlp != .none && mlpHidden < 1 { return "mlp-hidden must be positive" }
        return nil
    }

    public var parameterCount: Int { ParameterLayout(self).count }

    public func json() -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return String(decoding: try! enc.encode(self), as: UTF8.self)
    }

    public static func fromJSON(_ s: String) throws -> ModelConfig {
        try JSONDecoder().decode(ModelConfig.self, from: Data(s.utf8))
    }
}
