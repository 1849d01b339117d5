import Distributed
import Foundation
import Formats
import Objectives
import ToolSupport

extension Pretraining {
    /// The fixed mixture of clm, ul2 and bfr (bfr with --grid: that grid's starting mixture).
    func fixedMixture(_ procedure: PretrainingDataOptions.Procedure) throws -> Mixture {
        if procedure == .bfr, let grid = data.grid { return Mixture.starting(try Grid.resolve(grid)) }
        return try Mixture.resolve(procedure.rawValue)
    }

    /// The training rows of a birdie run: the corpus at the controller's starting mixture.
    func birdieSource(corpus: String, length: Int) throws -> MixtureCorpusSource {
        let grid = try Grid.resolve(data.grid ?? "light")
        for c in grid.configurations
        where SampleGenerator.textLengthRange(c, rowLength: length, referenceRowLength: grid.referenceRowLength) == nil {
            throw ToolError.usage("configuration \(c.name) of grid \(grid.name) cannot fit a row of \(length) tokens; use a longer --length or another --grid")
        }
        return try MixtureCorpusSource(path: corpus, grid: grid, weights: try BirdieProcedure.startingWeights(grid),
                                       length: length, seed: seed)
    }

    /// The controller, its validation rows and its log; restored from the checkpoint on --resume.
    func birdieProcedure(source: MixtureCorpusSource, checkpoint: String?, resumeStep: Int?) throws -> BirdieProcedure {
        var documents = source.heldOutDocuments
        var documentsName = "the held-out documents of \(data.corpus ?? "--corpus")"
        if let path = data.evalCorpus {
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
                                                     rowsPerConfiguration: birdie.validationRows, seed: seed,
                                                     source: documentsName)
        let settings = birdie.controller.settings(seed: seed, totalSteps: driver.optimizer.steps)
        let resumeState = try driver.outputs.resume.map { path in (try Checkpoint.loadAttachments(path), resumeStep ?? 0, path) }
        let procedure = try BirdieProcedure(grid: source.grid, source: source, validation: validation, settings: settings,
                                            logPath: Ranks.world.isRoot ? birdie.controllerLog ?? checkpoint.map { $0 + ".controller.jsonl" } : nil,
                                            resume: resumeState)
        if quiet { procedure.notice = { _ in } }
        if !quiet {
            let s = procedure.controller.schedule
            printError("train: birdie controller over \(source.grid.count) configurations of grid \(source.grid.name): starting mixture until step \(s.warmupEnd), \(s.evaluationSteps.count) evaluations (steps \(s.evaluationSteps.prefix(8).map(String.init).joined(separator: ", "))\(s.evaluationSteps.count > 8 ? ", ..." : "")), \(validation.labelledTokens.reduce(0, +)) labelled validation tokens")
        }
        return procedure
    }
}

extension BirdieProcedure {
    /// Early in the run (two evaluations and five steps in), a warning when the controller's
    /// evaluations will take more than a quarter of the run, from the times measured so far.
    func warnIfEvaluationsDominate(steps: Int, stepsDone: Int, elapsed: TimeInterval, quiet: Bool) -> Bool {
        guard evaluations >= 2, stepsDone >= 5 else { return false }
        let evaluationSeconds = validationSeconds + controllerSeconds
        let perEvaluation = evaluationSeconds / Double(evaluations)
        let perStep = max(elapsed - evaluationSeconds, 0) / Double(stepsDone)
        let planned = Double(controller.schedule.evaluationSteps.count)
        let share = planned * perEvaluation / (planned * perEvaluation + Double(steps) * perStep)
        if share > 0.25 && !quiet {
            printError(String(format: "train: warning: the controller's %.0f evaluations will take about %.0f%% of this run (%.2f s each, %.2f s per training step); give more --steps for a run that is mostly training",
                              planned, 100 * share, perEvaluation, perStep))
        }
        return true
    }

    /// The closing line on the controller's share of the run.
    func report(elapsed: TimeInterval) {
        printError(String(format: "train: birdie: %d evaluations; validation %.1f s, controller %.1f s: %.1f%% of %.1f s",
                          evaluations, validationSeconds, controllerSeconds,
                          100 * (validationSeconds + controllerSeconds) / max(elapsed, 1e-9), elapsed))
    }
}
