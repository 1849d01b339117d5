import Controller
import Formats
import Foundation
import Objectives
import Packing
import Testing
import ToolSupport
@testable import Models
@testable import Training
import Randomness

/// Random documents of byte tokens (ids 160...415), lengths 150...600.
private func documents(_ count: Int, seed: UInt64) -> [[Int32]] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in
        (0..<(150 + Int(rng.next() % 451))).map { _ in Int32(160 + rng.next() % 256) }
    }
}

/// A token-document corpus file of those documents (vocabulary 416: the reserved ids and the bytes).
private func corpusFile(_ folder: String, count: Int = 120) throws -> String {
    let path = folder + "/docs.tok"
    let writer = try TokenDocumentWriter(path: path, vocabularySize: 416, provenance: Provenance(tool: "test"))
    for d in documents(count, seed: 5) { try writer.append(d) }
    try writer.finish()
    return path
}

/// A small, fast controller (the paper's algorithm with a narrow critic and few candidates).
private func settings(totalSteps: Int) -> ControllerSettings {
    var s = ControllerSettings(seed: 3, totalSteps: totalSteps)
    s.width = 16; s.layers = 1; s.training.steps = 5; s.sampler.candidates = 64
    return s
}

private func procedure(_ folder: String, totalSteps: Int = 40, log: String? = nil,
                       resume: (attachments: [String: Data], step: Int, path: String)? = nil) throws -> BirdieProcedure {
    let grid = try Grid.resolve("light")
    let source = try MixtureCorpusSource(path: try corpusFile(folder), grid: grid, weights: try BirdieProcedure.startingWeights(grid),
                                         length: 256, seed: 7)
    let validation = try ConfigurationValidation(grid: grid, documents: source.heldOutDocuments,
                                                 rowLength: 256, rowsPerConfiguration: 2, seed: 7, source: "test")
    return try BirdieProcedure(grid: grid, source: source, validation: validation, settings: settings(totalSteps: totalSteps),
                               logPath: log, resume: resume)
}

/// Per-configuration losses that fall by a configuration-dependent rate.
private func losses(_ k: Int, evaluation i: Int) -> [Double] {
    (0..<k).map { 6 - Double(i) * 0.05 * Double(1 + $0 % 3) }
}

@Suite struct BirdieValidationTests {
    @Test func rowsAreFixedAndHoldOnlyTheirConfiguration() throws {
        let grid = try Grid.resolve("light")
        let docs = documents(10, seed: 1)
        let a = try ConfigurationValidation(grid: grid, documents: docs, rowLength: 256, rowsPerConfiguration: 3, seed: 4, source: "docs")
        let b = try ConfigurationValidation(grid: grid, documents: docs, rowLength: 256, rowsPerConfiguration: 3, seed: 4, source: "docs")
        #expect(a.rows == b.rows, "the same seed and documents must give the same rows")
        for (k, rows) in a.rows.enumerated() {
            #expect(!rows.isEmpty && rows.count <= 3)
            for row in rows {
                #expect(row.length == 256)
                #expect(!row.segmentConfigurations.isEmpty && row.segmentConfigurations.allSatisfy { $0 == Int32(k) },
                        "row of \(grid.configurations[k].name) holds other configurations")
                #expect(row.labels.contains { $0 != PackedRow.noLabel })
            }
        }
        #expect(a.labelledTokens.allSatisfy { $0 > 0 })
        // Built exactly like training rows: the RowGenerator with the single-configuration mixture.
        var g = try RowGenerator(mixture: .single(4, of: grid), rowLength: 256, seed: ConfigurationValidation.seed(4, configuration: 4))
        var cycle = BoundedCycle(docs, passes: 4)
        #expect(g.next(from: &cycle) == a.rows[4][0])

        // Reused at every evaluation: same model, same losses; a trained model, other losses, same rows.
        let net = Model(ModelConfig.sized(kind: .gatedSSMPlus, vocab: 416, dModel: 32, layers: 2, bidirectional: true), seed: 2)
        let first = a.losses(net), again = a.losses(net)
        #expect(first == again && first.count == grid.count && first.allSatisfy { $0.isFinite && $0 > 0 })
        let rowsBefore = a.rows
        var options = TrainerSettings(); options.steps = 3; options.batch = 2; options.length = 256
        let source = try MixtureCorpusSource(path: try corpusFile(temporaryFolder()), grid: grid,
                                             weights: try BirdieProcedure.startingWeights(grid), length: 256, seed: 1)
        try Trainer(model: net, options: options, source: source, evalBatches: [], seed: 1).run()
        #expect(a.rows == rowsBefore)
        #expect(a.losses(net) != first, "three training steps should change some configuration's loss")
    }

    @Test func documentsTooShortForAConfigurationAreBadInput() throws {
        let grid = try Grid.resolve("light")
        let short = [[Int32]](repeating: [200, 201, 202], count: 5)
        #expect { _ = try ConfigurationValidation(grid: grid, documents: short, rowLength: 256, rowsPerConfiguration: 2, seed: 1, source: "held.tok") }
            throws: { ($0 as? ToolError)?.code == .dataError && "\($0)".contains("held.tok") }
    }

    /// bfr (docs/METHOD.md 3.2): the Birdie pool at its starting mixture.
    @Test func bfrIsThePoolAtItsStartingMixture() throws {
        let bfr = try Mixture.resolve("bfr")
        let pool = try Grid.resolve("birdie")
        #expect(bfr.grid.names == pool.names && pool.count == 104)
        let start = Mixture.starting(pool).probabilities
        #expect(zip(bfr.probabilities, start).allSatisfy { abs($0 - $1) < 1e-12 })
    }
}

@Suite struct BirdieProcedureTests {
    @Test func mixtureChangesAfterAnEvaluation() throws {
        let dir = temporaryFolder()
        let b = try procedure(dir, log: dir + "/log.jsonl")
        let k = b.grid.count
        let start = b.source.mixture
        let warmup = b.controller.schedule.warmupEnd
        var i = 0
        for step in b.controller.schedule.evaluationSteps.prefix(4) {
            let d = try b.observe(step: step, losses: losses(k, evaluation: i))
            i += 1
            if step < warmup {
                #expect(d.phase == .warmup && b.source.mixture == start)
            } else {
                #expect(d.phase == .critic)
                #expect(b.source.mixture.probabilities != start.probabilities, "the critic's mixture should differ from the starting one")
                #expect(zip(b.source.mixture.probabilities, d.mixture).allSatisfy { abs($0 - $1) < 1e-12 })
            }
        }
        #expect(b.source.changes.count == 4)
        let lines = try String(contentsOfFile: dir + "/log.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.last!.contains("\"losses\":{\"next-token\":") && lines.last!.contains("\"class_mixture\":{"))
    }

    @Test func nanLossIsSkippedAndLogged() throws {
        let dir = temporaryFolder()
        let b = try procedure(dir, log: dir + "/log.jsonl")
        var notes: [String] = []
        b.notice = { notes.append($0) }
        let k = b.grid.count
        let steps = b.controller.schedule.evaluationSteps
        try b.observe(step: steps[0], losses: losses(k, evaluation: 0))
        try b.observe(step: steps[1], losses: losses(k, evaluation: 1))
        let before = b.source.mixture, changes = b.source.changes.count, history = b.controller.history.count
        var bad = losses(k, evaluation: 2)
        bad[3] = .nan
        let d = try b.observe(step: steps[2], losses: bad)
        #expect(d.phase == .skipped)
        #expect(b.source.mixture == before && b.source.changes.count == changes && b.controller.history.count == history)
        #expect(notes.count == 1 && notes[0].contains("skipped") && notes[0].contains(b.grid.names[3]))
        let last = try String(contentsOfFile: dir + "/log.jsonl", encoding: .utf8).split(separator: "\n").last!
        #expect(last.contains("\"phase\":\"skipped\"") && last.contains("\"\(b.grid.names[3])\":null"))
        // The next good evaluation is used normally.
        #expect(try b.observe(step: steps[3], losses: losses(k, evaluation: 3)).phase != .skipped)
    }

    /// The checkpoint attachments bring back the controller and the mixture changes; the source,
    /// seeked to the saved position, then gives the rows the uninterrupted one gives.
    @Test func attachmentsRestoreControllerAndRows() throws {
        let dir = temporaryFolder()
        let a = try procedure(dir)
        let k = a.grid.count
        var position = 0
        for (i, step) in a.controller.schedule.evaluationSteps.prefix(5).enumerated() {
            while position < step { _ = try a.source.next(batch: 2, length: 256); position += 1 }
            try a.observe(step: step, losses: losses(k, evaluation: i))
        }
        let attachments = try a.checkpointAttachments()
        let b = try procedure(temporaryFolder(), resume: (attachments, position, dir + "/x.ckpt"))
        #expect(try b.controller.stateData() == a.controller.stateData())
        try b.source.seek(a.source.position)
        #expect(b.source.changes.count == a.source.changes.count)
        #expect(b.source.mixture == a.source.mixture)
        let x = try a.source.next(batch: 2, length: 256), y = try b.source.next(batch: 2, length: 256)
        #expect(x.tokens == y.tokens && x.labels == y.labels && x.segments == y.segments)
        // Both continue alike.
        let next = a.controller.schedule.evaluationSteps[5]
        #expect(try a.observe(step: next, losses: losses(k, evaluation: 5)) == b.observe(step: next, losses: losses(k, evaluation: 5)))

        // A checkpoint without them is bad input naming the state file.
        #expect { _ = try procedure(temporaryFolder(), resume: ([:], 3, "/tmp/y.ckpt")) }
            throws: { ($0 as? ToolError)?.code == .dataError && "\($0)".contains("y.ckpt.state") }
    }

    /// Corrupt attachments (found by `make fuzz`) are bad input naming the state file once: a change
    /// count near 2^64 (it overflowed a multiplication), changes out of order or not weights, and a
    /// controller state that is not one.
    @Test func corruptAttachmentsAreBadInput() throws {
        let dir = temporaryFolder()
        let a = try procedure(dir)
        let good = try a.checkpointAttachments()
        let changes = BirdieProcedure.encodeChanges([(5, [Double](repeating: 1 / Double(a.grid.count), count: a.grid.count)),
                                                     (3, [Double](repeating: 1 / Double(a.grid.count), count: a.grid.count))])
        var huge = changes
        huge.replaceSubrange(0..<8, with: [UInt8](repeating: 0xFF, count: 8))
        let negative = BirdieProcedure.encodeChanges([(1, [-1] + [Double](repeating: 0, count: a.grid.count - 1))])
        for mixtures in [huge, changes, negative] {
            let attachments = good.merging([BirdieProcedure.mixturesKey: mixtures]) { _, new in new }
            #expect { _ = try BirdieProcedure.restore(attachments, grid: a.grid, path: "/tmp/z.ckpt") }
                throws: { ($0 as? ToolError)?.code == .dataError && "\($0)".contains("z.ckpt.state") }
        }
        let notAController = good.merging([BirdieProcedure.controllerKey: Data("BRDCTRL1 junk".utf8)]) { _, new in new }
        #expect { _ = try BirdieProcedure.restore(notAController, grid: a.grid, path: "/tmp/z.ckpt") }
            throws: { e in
                let message = (e as? ToolError)?.message ?? ""
                return message.components(separatedBy: "z.ckpt.state").count == 2   // named once
            }
    }
}
