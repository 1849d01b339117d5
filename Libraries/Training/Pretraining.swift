import Distributed
import Foundation
import Kernels
import Models
import Objectives
import ToolSupport

/// What `train` runs (the tool declares the flags; `TrainingDriver` runs the loop): the rows, from
/// packed data, a corpus corrupted online, or a synthetic task; a new model or the resumed one; the
/// Birdie controller when the procedure uses one.
public struct Pretraining {
    public typealias Driver = TrainingDriver<PretrainingDefaults>
    public var model: ModelOptions
    public var data: PretrainingDataOptions
    public var birdie: BirdieOptions
    public var driver: Driver
    /// `--print-config`: print the shapes and exit; `--init-only`: write the initial weights and exit.
    public var printConfig = false, initOnly = false

    public init(model: ModelOptions, data: PretrainingDataOptions, birdie: BirdieOptions, optimizer: OptimizerOptions<PretrainingDefaults>,
                outputs: RunOutputOptions<PretrainingDefaults>, engine: EngineOptions, common: CommonOptions) {
        self.model = model; self.data = data; self.birdie = birdie
        driver = Driver(tool: "train", optimizer: optimizer, outputs: outputs, engine: engine, common: common,
                        runFlags: RunFlags.of(model).merging(RunFlags.of(data)) { a, _ in a },
                        inputs: [data.data, data.corpus, data.evalCorpus, data.grid])
        driver.extraOutputs = [birdie.controllerLog]
    }

    var seed: UInt64 { driver.common.seed }
    var quiet: Bool { driver.quiet }
    var length: Int { driver.optimizer.rowLength }
    var batch: Int { driver.optimizer.batch }
    var evalBatches: Int { driver.outputs.evalBatches }

    public func run() throws {
        var driver = driver
        driver.noRun = printConfig || initOnly
        try driver.run { resumed in
            let (source, heldOut, length) = try makeSource()
            let net = try resumed?.model ?? newModel(vocabulary: source?.vocabularyNeeded ?? model.vocabSize ?? 512, length: length)
            if printConfig { if Ranks.world.isRoot { try StandardStreams.printOutput(Self.describe(net)) }; return nil }
            if initOnly { if Ranks.world.isRoot { try OutputFile.write(Checkpoint.weightsData(net, step: 0), to: driver.outputs.output!) }; return nil }
            guard let rows = source else { return nil }
            try checkVocabulary(net, rows)
            var job = TrainingJob(model: net, source: rows, heldOut: heldOut, length: length, summary: "")
            if let mixture = rows as? MixtureCorpusSource {
                // Before the trainer seeks: the controller brings back the mixture changes the rows replay.
                job.birdie = try birdieProcedure(source: mixture, checkpoint: driver.checkpointPath, resumeStep: resumed?.saved.state.step)
            }
            return job
        }
    }

    /// The rows and the held-out batches, and the row length (the packed file's with --data).
    private func makeSource() throws -> (BatchSource?, [PackedBatch], Int) {
        if let path = data.data {
            let s = try PackedFileSource(path: path)
            if let asked = driver.optimizer.length, asked != s.rowLength {
                throw ToolError.badInput(path, "rows are \(s.rowLength) tokens long, not --length \(asked)",
                                         fix: "drop --length or re-pack with --length \(asked)")
            }
            return (s, s.heldOut(batches: evalBatches, batch: batch), s.rowLength)
        }
        if let corpus = data.corpus, let procedure = data.procedure {
            if procedure.usesController {
                let s = try birdieSource(corpus: corpus, length: length)
                return (s, try s.heldOut(batches: evalBatches, batch: batch), length)
            }
            let s = try CorpusSource(path: corpus, mixture: try fixedMixture(procedure), length: length, seed: seed)
            return (s, try s.heldOut(batches: evalBatches, batch: batch), length)
        }
        switch data.task {
        case .copying:
            let s = CopyingTask(seed: seed)
            return (s, s.heldOut(batches: evalBatches, batch: batch, length: length), length)
        case .randomTokens:
            let s = RandomTokens(vocabulary: model.vocabSize ?? 512, seed: seed)
            let heldOut = (0..<evalBatches).map { _ in RandomTokens(vocabulary: s.vocabularyNeeded, seed: ~seed).next(batch: batch, length: length) }
            return (s, heldOut, length)
        case nil:
            return (nil, [], length)
        }
    }

    private func newModel(vocabulary: Int, length: Int) throws -> Model {
        let procedure = data.procedure
        let config = try model.config(dataVocabulary: vocabulary,
                                      defaultForm: procedure == .clm || procedure == .birdieCausal ? .causal : .bidirectional)
        try Limits.checkMemory(estimatedBytes: Self.estimatedBytes(config, batch: batch, length: length),
                               flags: "--batch, --length, --d-model, --layers or --vocab-size")
        return Model(config, seed: seed)
    }

    /// Real data must match the model's vocabulary exactly; synthetic tasks only need to fit.
    private func checkVocabulary(_ net: Model, _ source: BatchSource) throws {
        let dataFile = data.data ?? data.corpus
        guard dataFile != nil ? net.config.vocab != source.vocabularyNeeded : net.config.vocab < source.vocabularyNeeded else { return }
        throw ToolError.badInput(dataFile ?? driver.outputs.resume ?? "data",
                                 "the data has a vocabulary of \(source.vocabularyNeeded) tokens but the model has \(net.config.vocab)",
                                 fix: "train a model with --vocab-size \(source.vocabularyNeeded), or use data encoded with the model's tokenizer")
    }

    /// An upper estimate of a run's memory: parameters, gradients and AdamW moments, the logits of
    /// every position, and about 64 floats per channel per layer of saved activations (gated-ssm
    /// at the small preset: 2.6 GB estimated against a measured peak of 1.2 GB, docs/PERFORMANCE.md).
    public static func estimatedBytes(_ c: ModelConfig, batch: Int, length: Int) -> Double {
        let positions = Double(batch) * Double(length)
        let perPosition = Double(c.vocab) + 64 * Double(c.dModel) * Double(c.layers) + 64 * Double(max(c.state, c.mlpHidden))
        return 4 * (4 * Double(c.parameterCount) + positions * perPosition)
    }

    /// Shapes, per-tensor sizes and the total, for --print-config.
    static func describe(_ m: Model) -> String {
        var lines = ["config\t\(m.config.json())"]
        for t in m.layout.tensors {
            lines.append("\(t.name)\t[\(t.shape.map(String.init).joined(separator: ", "))]\t\(t.count)\t\(t.decay ? "decay" : "no-decay")")
        }
        lines.append("parameters\t\(m.parameterCount)")
        return lines.joined(separator: "\n")
    }
}
