import Foundation
import Testing
import Kernels
@testable import Models
@testable import Training

func tinyModel(_ kind: ModelKind, bidirectional: Bool = true, seed: UInt64 = 1) -> Model {
    var c = ModelConfig.sized(kind: kind, vocab: 200, dModel: 32, layers: 2, bidirectional: bidirectional)
    if kind == .transformer { c.heads = 2 }
    return Model(c, seed: seed)
}

@Suite struct LearningTests {
    @Test func debugEval() throws {
        let model = tinyModel(.gatedSSMPlus)
        let task = CopyingTask(seed: 1)
        var options = TrainingOptions()
        options.steps = 200; options.batch = 8; options.length = 64; options.learningRate = 3e-3
        let eval = task.heldOut(batches: 2, batch: 8, length: 64)
        let trainer = Trainer(model: model, options: options, source: task, evalBatches: eval, seed: 1)
        try trainer.run()
        let fresh = task.next(batch: 8, length: 64)
        let a = model.loss(fresh), b = model.loss(eval[0])
        let c = model.lossAndGradient(fresh)
        print("fresh", a.sum / Double(a.count), "eval", b.sum / Double(b.count), "lag", c.sum / Double(c.count))
    }
}
