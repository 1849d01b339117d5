import Foundation
import Formats
import Models
import Tasks
import ToolSupport

/// What `finetune` runs (the tool declares the flags; `TrainingDriver` runs the loop): the
/// checkpoint's model, or the resumed run's, on prompt/target pairs packed into rows.
public struct Finetuning {
    public typealias Driver = TrainingDriver<FinetuningDefaults>
    public var checkpoint: String?
    public var data: FinetuningDataOptions
    public var driver: Driver

    public init(checkpoint: String?, data: FinetuningDataOptions, optimizer: OptimizerOptions<FinetuningDefaults>,
                outputs: RunOutputOptions<FinetuningDefaults>, engine: EngineOptions, common: CommonOptions) {
        self.checkpoint = checkpoint; self.data = data
        // The starting checkpoint does not define the run: a resumed run reads its weights from the state.
        driver = Driver(tool: "finetune", optimizer: optimizer, outputs: outputs, engine: engine, common: common,
                        runFlags: RunFlags.of(data), inputs: [checkpoint, data.tokenizer, data.input])
    }

    /// `snapshots`: keep every checkpoint's weights as PATH.step-N, for learning curves.
    public func run(snapshots: Bool) throws {
        try driver.run { resumed in
            let net = try resumed?.model ?? Checkpoint.loadModel(checkpoint!).model
            let text = try TaskText(modelPath: data.tokenizer)
            try text.checkMatches(modelVocabulary: net.config.vocab, checkpoint: driver.outputs.resume ?? checkpoint!, tokenizer: data.tokenizer)
            let pairs = try JSONLines.read(PromptTarget.self, path: data.input).map { (input: text.input($0.prompt), target: text.target($0.target)) }
            let length = driver.optimizer.rowLength
            let source = try PairSource(pairs: pairs, vocabulary: text.vocabularySize, length: length, seed: driver.common.seed,
                                        file: data.input == "-" ? "<stdin>" : data.input)
            if source.tooLong > 0 && !driver.quiet {
                printError("finetune: warning: \(source.tooLong) of \(pairs.count) pairs are longer than a row of \(length) tokens and are skipped (a longer --length keeps them)")
            }
            var job = TrainingJob(model: net, source: source, heldOut: source.heldOut(batches: driver.outputs.evalBatches, batch: driver.optimizer.batch),
                                  length: length, summary: "\(pairs.count) pairs (\(source.tooLong) longer than a row, skipped), ")
            job.keepSnapshots = snapshots
            return job
        }
    }
}
