import Foundation
import Kernels
import Models
import Packing
import ToolSupport

/// `train --dump-gradients OUT --checkpoint CKPT --data ROWS.pack --batch B` (hidden): the loss and every
/// parameter's gradient of one training step on the first B rows of ROWS.pack, in file order, for the
/// independent PyTorch reference (Pipelines/python/torch_reference.py) to compare against.
///
/// The step is the trainer's on one process: `Model.lossAndGradient` on the batch, i.e. the mean
/// cross-entropy over all labelled positions of the batch and its gradient, before clipping and
/// before AdamW. OUT is a safetensors file: one F32 tensor per parameter under the checkpoint's
/// name and shape holding that parameter's gradient, and `loss` (shape [1]); its metadata carries
/// the model configuration, the row count, the labelled-position count, the products' precision
/// and the checkpoint's step.
public enum GradientDump {
    public static let lossName = "loss"

    public static func run(output: String, checkpoint: String?, rows: String?, batch: Int,
                           engine: EngineOptions, quiet: Bool = false) throws {
        Engine.prepareProcess()
        guard let checkpoint, let rows else {
            throw ToolError.usage("--dump-gradients needs --checkpoint CKPT (a checkpoint written by `train`) and --data ROWS (packed rows)")
        }
        try OutputFile.checkAtStart(outputs: [output], inputs: [checkpoint, rows])
        engine.configure()
        let (model, step) = try Checkpoint.loadModel(checkpoint)
        let b = try firstRows(rows, count: batch, vocabulary: model.config.vocab)
        let (sum, count) = model.lossAndGradient(b)
        guard count > 0 else {
            throw ToolError.badInput(rows, "the first \(batch) rows have no labelled position", fix: "pack rows with targets, or give a larger --batch")
        }
        var loss = [Float(sum / Double(count))]
        let data = loss.withUnsafeMutableBufferPointer { lossBuffer in
            let tensors = model.layout.tensors.map {
                SafeTensors.Tensor(name: $0.name, shape: $0.shape,
                                   values: UnsafeBufferPointer(start: model.gradients + $0.offset, count: $0.count))
            } + [SafeTensors.Tensor(name: lossName, shape: [1], values: UnsafeBufferPointer(lossBuffer))]
            return SafeTensors.encode(tensors, metadata: [
                "format": "pt", Checkpoint.configKey: model.config.json(), Checkpoint.stepKey: String(step),
                Checkpoint.precisionKey: Engine.products.precision.rawValue, "birdie.rows": String(b.batch),
                "birdie.labelled": String(count), "birdie.loss": String(sum / Double(count)),
            ])
        }
        let file = try OutputFile(output)
        try file.write(data)
        try file.commit()
        if !quiet {
            printError(String(format: "train: loss %.6f and the gradients of %d parameters (%@, step %d) on %d rows, %d labelled positions, to %@",
                              loss[0], model.parameterCount, model.config.kind.rawValue, step, b.batch, count, output))
        }
    }

    /// The first `count` rows of a packed-row file as one batch, checked against the model.
    static func firstRows(_ path: String, count: Int, vocabulary: Int) throws -> PackedBatch {
        let reader = try RowReader(path: path)
        // As `train` does: the data's vocabulary must be the model's.
        guard reader.header.vocabularySize == vocabulary else {
            throw ToolError.badInput(path, "the data has a vocabulary of \(reader.header.vocabularySize) tokens but the model has \(vocabulary)",
                                     fix: "use rows encoded for the checkpoint's vocabulary")
        }
        var picked: [PackedRow] = []
        while picked.count < count, let row = try reader.next() { picked.append(row) }
        guard picked.count == count else {
            throw ToolError.badInput(path, "holds \(picked.count) rows, fewer than --batch \(count)", fix: "give --batch \(max(picked.count, 1)) or more rows")
        }
        guard picked.allSatisfy({ $0.length == picked[0].length }) else {
            throw ToolError.badInput(path, "rows of different lengths", fix: "pack with one --length")
        }
        let b = CorpusSource.batch(picked)
        do {
            _ = try AttentionMask(segments: b.segments, regions: b.regions, batch: b.batch, time: b.length, bidirectional: true)
        } catch {
            throw ToolError.badInput(path, "\(error)", fix: "write the rows with pack")
        }
        return b
    }
}
