import ArgumentParser
import Kernels
import ToolSupport

extension PrecisionChoice: ExpressibleByArgument {}

/// The engine's settings (`train`, `finetune`, `score`), applied once by `configure`.
public struct EngineOptions: ParsableArguments {
    @Option(help: "Worker threads (OpenBLAS and the kernels). The same seed and --threads give the same bytes; another thread count can differ in the last bits (docs/ARCHITECTURE.md).")
    public var threads = 2
    @Option(help: ArgumentHelp(PrecisionChoice.help)) public var precision: PrecisionChoice = .auto

    public init() {}

    public func validate() throws {
        try Limits.check(threads, "--threads", limit: Limits.threads)
    }

    /// Sets the engine up for this process (after `Engine.prepareProcess`); returns the precision
    /// that runs.
    @discardableResult
    public func configure() -> Precision { Engine.configure(threads: threads, precision: precision) }
}
