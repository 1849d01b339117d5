import ArgumentParser
import ToolSupport

/// The optimisation of a run (`train`, `finetune`): every flag here defines the run, so the
/// checkpoint's state keeps them all (`RunFlags`) and `--resume` checks them.
public struct OptimizerOptions<Defaults: RunDefaults>: ParsableArguments {
    @Option(help: "Optimizer steps in the whole run.") public var steps = Defaults.steps
    @Option(help: "Rows per step (under mpirun: the global batch, split over the ranks).") public var batch = 8
    @Option(help: "Row length in tokens (default 512; train --data: the packed file's).") public var length: Int?
    @Option(help: "Peak learning rate (warmup, then cosine to 10%).") public var lr = Defaults.learningRate
    @Option(help: "Warmup steps (default min(100, steps/10)).") public var warmup: Int?
    @Option(help: "AdamW decoupled weight decay.") public var weightDecay: Float = 0.1
    @Option(help: "Global gradient-norm clip.") public var clip: Float = 1.0

    public init() {}

    /// --length, or the default row length (train --data uses the packed file's instead).
    public var rowLength: Int { length ?? 512 }

    public func validate() throws {
        try Limits.check(steps, "--steps", limit: Limits.steps)
        try Limits.check(batch, "--batch", limit: Limits.batch)
        try Limits.check(length, "--length", limit: Limits.rowLength)
        if let length, length < 8 { throw ValidationError("--length must be at least 8") }
        try Limits.checkPositive(lr, "--lr")
        try Limits.checkPositive(clip, "--clip")
        try Limits.checkPositive(weightDecay, "--weight-decay", allowZero: true)
        try Limits.check(warmup, "--warmup", limit: Limits.steps, allowZero: true)
    }
}

/// Where a run reports and saves, and when: none of it changes what is trained.
public struct RunOutputOptions<Defaults: RunDefaults>: ParsableArguments {
    @Option(name: .shortAndLong, help: "Checkpoint path (weights; optimizer state goes to PATH.state).") public var output: String?
    @Option(help: "Metrics TSV path.") public var metrics: String?
    @Option(help: "Continue the run saved in this checkpoint: give the original run's flags again (its state names any that differ).")
    public var resume: String?
    @Option(help: "Held-out evaluation every N steps (0: only at the end).") public var evalEvery = Defaults.evalEvery
    @Option(help: "Held-out batches per evaluation (0: no evaluation).") public var evalBatches = Defaults.evalBatches
    @Option(help: "Checkpoint every N steps (0: only at the end).") public var checkpointEvery = 0
    @Option(help: ArgumentHelp("Stop after N steps of this process (tests).", visibility: .hidden)) public var stopAfter: Int?

    public init() {}

    public func validate() throws {
        try Limits.check(evalEvery, "--eval-every", limit: Limits.steps, allowZero: true)
        try Limits.check(evalBatches, "--eval-batches", limit: 1 << 16, allowZero: true)
        try Limits.check(checkpointEvery, "--checkpoint-every", limit: Limits.steps, allowZero: true)
        try Limits.check(stopAfter, "--stop-after", limit: Limits.steps)
    }
}
