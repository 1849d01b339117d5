import ArgumentParser
import Controller
import Formats
import Foundation
import Objectives
import ToolSupport
import Training

/// Flags of the Birdie procedures (`--procedure birdie|birdie-causal`, and `--grid` for bfr).
struct BirdieOptions: ParsableArguments {
    @Option(help: "Configuration grid of birdie/birdie-causal: light (15 configurations, for small runs), birdie (the paper's 104), or a grid file. With bfr: hold this grid's starting mixture instead of the full pool's.")
    var grid: String?
    @Option(name: .customLong("eval-corpus"), help: "Held-out token documents for the per-configuration validation rows (default: every 50th document of --corpus, which training skips either way).")
    var evalCorpus: String?
    @Option(name: .customLong("validation-rows"), help: "Held-out rows per configuration, built once like training rows and reused at every evaluation.")
    var validationRows = 2
    @Option(name: .customLong("controller-log"), help: "JSON lines, one per evaluation: losses per configuration, reward, mixture chosen (default: CHECKPOINT.controller.jsonl). `critic` reads it as input and gives the same decisions.")
    var controllerLog: String?

    @Option(name: .customLong("critic-width"), help: "Critic width (the paper: 256).") var criticWidth = 256
    @Option(name: .customLong("critic-layers"), help: "Critic layers (the paper: 4).") var criticLayers = 4
    @Option(name: .customLong("critic-training-steps"), help: "AdamW steps of critic training per evaluation (the paper: 200).")
    var criticTrainingSteps = 200
    @Option(help: "Candidate mixtures scored per decision (the paper: 2048).") var candidates = 2048
    @Option(name: .customLong("candidate-power"), help: "Raise candidates' uniform draws to this power before normalising (the paper: 1; docs/CRITIC.md).")
    var candidatePower = 1.0

    func validate() throws {
        if validationRows < 1 { throw ValidationError("--validation-rows must be at least 1") }
        try Limits.check(validationRows, "--validation-rows", limit: 1 << 12)
        try Limits.check(candidates, "--candidates", limit: Limits.candidates)
        try Limits.check(criticWidth, "--critic-width", limit: 1 << 14)
        try Limits.check(criticLayers, "--critic-layers", limit: 64)
        if criticWidth < 1 || criticLayers < 1 || criticTrainingSteps < 0 || candidates < 8 || !(candidatePower > 0) {
            throw ValidationError("--critic-width, --critic-layers and --candidate-power must be positive, --critic-training-steps non-negative, --candidates at least 8")
        }
    }

    /// The controller's settings; `critic` with the same --critic-width, --critic-layers, --critic-training-steps, --candidates,
    /// --candidate-power, --total-steps and --seed set alike makes the same decisions.
    func settings(seed: UInt64, totalSteps: Int) -> ControllerSettings {
        var s = ControllerSettings(seed: seed, totalSteps: totalSteps)
        s.width = criticWidth
        s.layers = criticLayers
        s.training.steps = criticTrainingSteps
        s.sampler.candidates = candidates
        s.sampler.power = candidatePower
        return s
    }
}

extension Procedure {
    /// The procedures the Birdie controller steers.
    var usesController: Bool { self == .birdie || self == .birdieCausal }
}

extension Train {
    /// The fixed mixture of clm, ul2 and bfr (bfr with --grid: that grid's starting mixture).
    func fixedMixture(_ procedure: Procedure) throws -> Mixture {
        if procedure == .bfr, let grid = birdieOptions.grid { return Mixture.starting(try Grid.resolve(grid)) }
        return try Mixture.resolve(procedure.rawValue)
    }

    /// The training rows of a birdie run: the corpus at the controller's starting mixture.
    func birdieSource(corpus: String, length: Int) throws -> MixtureCorpusSource {
        let grid = try Grid.resolve(birdieOptions.grid ?? "light")
        for c in grid.configurations
        where SampleGenerator.textLengthRange(c, rowLength: length, referenceRowLength: grid.referenceRowLength) == nil {
            throw ToolError.usage("configuration \(c.name) of grid \(grid.name) cannot fit a row of \(length) tokens; use a longer --length or another --grid")
        }
        return try MixtureCorpusSource(path: corpus, grid: grid, weights: try BirdieProcedure.startingWeights(grid),
                                       length: length, seed: common.seed)
    }

    /// The controller, its validation rows and its log; restored from the checkpoint on --resume.
    func birdieProcedure(source: MixtureCorpusSource, checkpoint: String?, resumeStep: Int?) throws -> BirdieProcedure {
        var documents = source.heldOutDocuments
        var documentsName = "the held-out documents of \(corpus ?? "--corpus")"
        if let path = birdieOptions.evalCorpus {
            let reader = try TokenDocumentReader(path: path)
            guard reader.vocabularySize == source.vocabularyNeeded else {
                throw ToolError.badInput(path, "vocabulary of \(reader.vocabularySize) tokens, the corpus has \(source.vocabularyNeeded)",
                                         fix: "encode both with the same tokenizer")
            }
            documents = []
            while let d = try reader.next() { documents.append(d) }
            guard !documents.isEmpty else { throw ToolError.badInput(path, "holds no documents", fix: "encode held-out text with `tokenize encode`") }
            documentsName = path
        }
        let validation = try ConfigurationValidation(grid: source.grid, documents: documents, rowLength: source.length,
                                                     rowsPerConfiguration: birdieOptions.validationRows, seed: common.seed,
                                                     source: documentsName)
        let settings = birdieOptions.settings(seed: common.seed, totalSteps: steps)
        let resumeState = try resume.map { path in (try Checkpoint.loadAttachments(path), resumeStep ?? 0, path) }
        let procedure = try BirdieProcedure(grid: source.grid, source: source, validation: validation, settings: settings,
                                            logPath: birdieOptions.controllerLog ?? checkpoint.map { $0 + ".controller.jsonl" },
                                            resume: resumeState)
        if common.quiet { procedure.notice = { _ in } }
        if !common.quiet {
            let s = procedure.controller.schedule
            printError("train: birdie controller over \(source.grid.count) configurations of grid \(source.grid.name): starting mixture until step \(s.warmupEnd), \(s.evaluationSteps.count) evaluations (steps \(s.evaluationSteps.prefix(8).map(String.init).joined(separator: ", "))\(s.evaluationSteps.count > 8 ? ", ..." : "")), \(validation.labelledTokens.reduce(0, +)) labelled validation tokens")
        }
        return procedure
    }

    /// Early in the run (two evaluations and five steps in), a warning when the controller's
    /// evaluations will take more than a quarter of the run, from the times measured so far.
    func warnIfEvaluationsDominate(_ b: BirdieProcedure, stepsDone: Int, elapsed: TimeInterval) -> Bool {
        guard b.evaluations >= 2, stepsDone >= 5 else { return false }
        let evaluationSeconds = b.validationSeconds + b.controllerSeconds
        let perEvaluation = evaluationSeconds / Double(b.evaluations)
        let perStep = max(elapsed - evaluationSeconds, 0) / Double(stepsDone)
        let evaluations = Double(b.controller.schedule.evaluationSteps.count)
        let share = evaluations * perEvaluation / (evaluations * perEvaluation + Double(steps) * perStep)
        if share > 0.25 && !common.quiet {
            printError(String(format: "train: warning: the controller's %.0f evaluations will take about %.0f%% of this run (%.2f s each, %.2f s per training step); give more --steps for a run that is mostly training",
                              evaluations, 100 * share, perEvaluation, perStep))
        }
        return true
    }

    /// The closing line on the controller's share of the run.
    func reportBirdie(_ b: BirdieProcedure, elapsed: TimeInterval) {
        guard !common.quiet else { return }
        printError(String(format: "train: birdie: %d evaluations; validation %.1f s, controller %.1f s: %.1f%% of %.1f s",
                          b.evaluations, b.validationSeconds, b.controllerSeconds,
                          100 * (b.validationSeconds + b.controllerSeconds) / max(elapsed, 1e-9), elapsed))
    }
}
