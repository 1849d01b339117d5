import ArgumentParser
import Models
import ToolSupport

extension ModelKind: ExpressibleByArgument {}
extension MLPKind: ExpressibleByArgument {}

/// causal, or bidirectional prefix (docs/METHOD.md section 5).
public enum Form: String, CaseIterable, Sendable, ExpressibleByArgument { case causal, bidirectional }

/// The model `train` makes: an architecture, a size preset and overrides. Every flag defines the
/// run (`RunFlags`).
public struct ModelOptions: ParsableArguments {
    @Option(help: "Architecture (docs/METHOD.md section 5).")
    public var model: ModelKind = .gatedSSMPlus
    @Option(help: "Size preset: \(ModelConfig.presets.map(\.name).joined(separator: ", ")).")
    public var preset = "small"
    @Option(help: "causal, or bidirectional (bidirectional prefix; default except for --procedure clm and birdie-causal).")
    public var form: Form?
    @Option(help: "Override the preset's model width.") public var dModel: Int?
    @Option(help: "Override the preset's layer count.") public var layers: Int?
    @Option(help: "Override the recurrent state width.") public var state: Int?
    @Option(help: "Override the MLP hidden width.") public var mlpHidden: Int?
    @Option(help: "Override the attention head count.") public var heads: Int?
    @Option(help: "Override the MLP kind: none, swiglu, geglu, gelu.") public var mlp: MLPKind?
    @Option(help: "Vocabulary size (default: the data's).") public var vocabSize: Int?

    public init() {}

    public func validate() throws {
        if ModelConfig.presets.first(where: { $0.name == preset }) == nil {
            throw ValidationError("unknown preset \(preset); choose one of \(ModelConfig.presets.map(\.name).joined(separator: ", "))")
        }
        for (value, flag) in [(dModel, "--d-model"), (state, "--state"), (mlpHidden, "--mlp-hidden"), (heads, "--heads")] {
            try Limits.check(value, flag, limit: Limits.width)
        }
        try Limits.check(layers, "--layers", limit: Limits.layers)
        try Limits.check(vocabSize, "--vocab-size", limit: Limits.vocabulary)
    }

    /// The configuration: the preset, then each override; `defaultForm` applies without --form.
    public func config(dataVocabulary: Int, defaultForm: Form) throws -> ModelConfig {
        let vocab = vocabSize ?? dataVocabulary
        let bidirectional = (form ?? defaultForm) == .bidirectional
        let base = ModelConfig.preset(preset, kind: model, vocab: vocab, bidirectional: bidirectional)!
        var c = ModelConfig.sized(kind: model, vocab: vocab, dModel: dModel ?? base.dModel,
                                  layers: layers ?? base.layers, bidirectional: bidirectional)
        if let state { c.state = state }
        if let mlp { c.mlp = mlp }
        if let mlpHidden { c.mlpHidden = mlpHidden }
        if let heads { c.heads = heads }
        if let problem = c.validationProblem() { throw ToolError.usage(problem) }
        return c
    }
}
