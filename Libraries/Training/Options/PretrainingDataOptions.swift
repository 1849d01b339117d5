import ArgumentParser
import Controller
import Objectives
import ToolSupport

/// What `train` trains on. Every flag defines the run (`RunFlags`).
public struct PretrainingDataOptions: ParsableArguments {
    public enum Procedure: String, CaseIterable, Sendable, ExpressibleByArgument {
        case clm, ul2, bfr, birdie, birdieCausal = "birdie-causal"
        /// The procedures the Birdie controller steers.
        public var usesController: Bool { self == .birdie || self == .birdieCausal }
    }
    public enum SyntheticTask: String, CaseIterable, Sendable, ExpressibleByArgument {
        case copying
        case randomTokens = "random-tokens"
    }

    @Option(help: "Packed rows (from `pack`) to train on as they are.") public var data: String?
    @Option(help: "Token-document corpus (from `tokenize encode`) to corrupt and pack online.") public var corpus: String?
    @Option(help: "Objective mixture for --corpus: clm, ul2, bfr (fixed), birdie, birdie-causal (the controller's).")
    public var procedure: Procedure?
    @Option(help: "Synthetic task instead of a corpus: copying (needs the context), random-tokens (throughput).")
    public var task: SyntheticTask?
    @Option(help: "Configuration grid of birdie/birdie-causal: a built-in one (\(Grid.builtInNames.joined(separator: ", ")); light has 15 configurations, for small runs; birdie the paper's 104), or a grid file. With bfr: hold this grid's starting mixture instead of the full pool's.")
    public var grid: String?
    @Option(help: "Held-out token documents for the controller's per-configuration validation rows (default: every 50th document of --corpus, which training skips either way).")
    public var evalCorpus: String?

    public init() {}

    public func validate() throws {
        if corpus != nil && procedure == nil { throw ValidationError("--corpus needs --procedure clm|ul2|bfr|birdie|birdie-causal") }
        if grid != nil && !(procedure == .bfr || procedure?.usesController == true) {
            throw ValidationError("--grid goes with --procedure bfr, birdie or birdie-causal")
        }
    }

    /// Exactly one source of rows.
    public var sourceCount: Int { [data, corpus, task?.rawValue].compactMap { $0 }.count }
}

/// The Birdie controller's settings beyond the data (`--procedure birdie|birdie-causal`).
public struct BirdieOptions: ParsableArguments {
    @Option(help: "Held-out rows per configuration, built once like training rows and reused at every evaluation.")
    public var validationRows = 2
    @Option(help: "JSON lines, one per evaluation: losses per configuration, reward, mixture chosen (default: CHECKPOINT.controller.jsonl). `critic` reads it as input and gives the same decisions.")
    public var controllerLog: String?
    @OptionGroup public var controller: ControllerOptions

    public init() {}

    public func validate() throws {
        try Limits.check(validationRows, "--validation-rows", limit: 1 << 12)
    }
}
