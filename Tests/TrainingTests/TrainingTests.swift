import Foundation
import Testing
import Kernels
import ToolSupport
@testable import Models
@testable import Training

func tinyModel(_ kind: ModelKind, bidirectional: Bool = true, seed: UInt64 = 1) -> Model {
    var c = ModelConfig.sized(kind: kind, vocab: 200, dModel: 32, layers: 2, bidirectional: bidirectional)
    if kind == .transformer { c.heads = 2 }
    return Model(c, seed: seed)
}

func temporaryFolder() -> String {
    let path = NSTemporaryDirectory() + "birdie-training-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite struct CheckpointTests {
    @Test func weightsAndStateRoundTrip() throws {
        let dir = temporaryFolder()
        let model = tinyModel(.hawk)
        let n = model.parameterCount
        let m = (0..<n).map { Float($0) * 0.5 }, v = (0..<n).map { Float($0) * 0.25 }
        let state = TrainingState(step: 7, tokens: 1234, dataPosition: 9, rng: 42)
        try Checkpoint.save(model, moments: m, v, state: state, to: dir + "/a.ckpt")
        let (loaded, step) = try Checkpoint.loadModel(dir + "/a.ckpt")
        #expect(step == 7)
        #expect(loaded.config == model.config)
        #expect(loaded.parameterArray() == model.parameterArray())
        let resume = try Checkpoint.loadResume(dir + "/a.ckpt")
        #expect(resume.m == m && resume.v == v && resume.state == state)
        #expect(resume.model.parameterArray() == model.parameterArray() && resume.model.config == model.config)
        // The file is plain safetensors: header length, JSON with our tensor names.
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/a.ckpt"))
        let len = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + len))) as! [String: Any]
        #expect(header["embedding.weight"] != nil && header["__metadata__"] != nil)
        #expect((8 + len) % 8 == 0)
    }

    @Test func corruptCheckpointsAreBadInput() throws {
        let dir = temporaryFolder()
        let model = tinyModel(.gatedSSM)
        let n = model.parameterCount
        let zeros = [Float](repeating: 0, count: n)
        try Checkpoint.save(model, moments: zeros, zeros, state: TrainingState(step: 1, tokens: 0, dataPosition: 0, rng: 0), to: dir + "/a.ckpt")
        let good = try Data(contentsOf: URL(fileURLWithPath: dir + "/a.ckpt"))
        for bad in [good.prefix(5), good.prefix(good.count - 4), Data([8, 0, 0, 0, 0, 0, 0, 0]) + Data("not json".utf8)] {
            try bad.write(to: URL(fileURLWithPath: dir + "/b.ckpt"))
            #expect { _ = try Checkpoint.loadModel(dir + "/b.ckpt") } throws: { ($0 as? ToolError)?.code == .dataError }
            try bad.write(to: URL(fileURLWithPath: dir + "/b.ckpt.state"))
            #expect { _ = try Checkpoint.loadResume(dir + "/b.ckpt") } throws: { ($0 as? ToolError)?.code == .dataError }
        }
    }
}

/// Headers whose numbers do not match the file are refused before anything is allocated.
@Suite struct CheckpointHeaderTests {
    /// A safetensors file with `header` (padded to 8) and `dataBytes` zero bytes of data.
    func file(_ header: String, dataBytes: Int) -> Data {
        var h = Array(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        var d = Data()
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { d.append(contentsOf: $0) }
        return d + Data(h) + Data(count: dataBytes)
    }

    func refused(_ data: Data) -> Bool {
        do { _ = try SafeTensors.decode(data, path: "x.ckpt"); return false } catch let e as ToolError { return e.code == .dataError } catch { return false }
    }

    @Test func hugeNegativeOrOverflowingShapesAreBadInput() {
        #expect(refused(file(#"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#, dataBytes: 16)))
        #expect(refused(file(#"{"w":{"dtype":"F32","shape":[-2,-2],"data_offsets":[0,16]}}"#, dataBytes: 16)))
        #expect(refused(file(#"{"w":{"dtype":"F32","shape":[1000000],"data_offsets":[0,4000000]}}"#, dataBytes: 16)))
        #expect(refused(file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, dataBytes: 16)))
        #expect(!refused(file(#"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#, dataBytes: 16)))
    }

    @Test func dataThatDoesNotEndWithTheTensorsIsBadInput() {
        // A header length one off shifts every value by a byte: the sizes no longer agree.
        #expect(refused(file(#"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#, dataBytes: 17)))
    }

    @Test func aConfigurationLargerThanTheTensorsIsBadInput() throws {
        let dir = temporaryFolder()
        let model = tinyModel(.gatedSSM)
        let data = Checkpoint.weightsData(model, step: 1)
        var big = model.config
        big.dModel = 60000
        let text = String(decoding: data, as: UTF8.self)
        let swapped = text.replacingOccurrences(of: model.config.json().replacingOccurrences(of: "\"", with: "\\\""),
                                                with: big.json().replacingOccurrences(of: "\"", with: "\\\""))
        #expect(swapped != text, "the test must change the stored configuration")
        try Data(swapped.utf8).write(to: URL(fileURLWithPath: dir + "/big.ckpt"))
        #expect { _ = try Checkpoint.loadModel(dir + "/big.ckpt") } throws: { ($0 as? ToolError)?.code == .dataError }
    }

    static let badStates: [(step: Int, position: UInt64)] = [(-1, 0), (1, UInt64.max - 3), (Int(Int32.max) + 10, 0)]

    @Test(arguments: badStates.indices)
    func statesOutOfRangeAreBadInput(_ i: Int) throws {
        let (step, position) = Self.badStates[i]
        let dir = temporaryFolder()
        let model = tinyModel(.hawk)
        let zeros = [Float](repeating: 0, count: model.parameterCount)
        try Checkpoint.save(model, moments: zeros, zeros, state: TrainingState(step: step, tokens: 0, dataPosition: position, rng: 0),
                            to: dir + "/a.ckpt")
        #expect { _ = try Checkpoint.loadResume(dir + "/a.ckpt") } throws: { ($0 as? ToolError)?.code == .dataError }
    }
}

@Suite struct ResumeTests {
    /// A run stopped after 3 of 6 steps and resumed from its checkpoint ends with bitwise the same
    /// parameters as an uninterrupted 6-step run.
    @Test(arguments: [ModelKind.gatedSSMPlus, .hawk])
    func resumedRunEqualsUninterrupted(_ kind: ModelKind) throws {
        let dir = temporaryFolder()
        var options = TrainerSettings()
        options.steps = 6; options.batch = 2; options.length = 48; options.learningRate = 3e-3; options.warmup = 2
        options.evalEvery = 2
        func trainer(_ model: Model, _ path: String) -> Trainer {
            var o = options
            o.checkpointPath = path
            let task = CopyingTask(seed: 5)
            return Trainer(model: model, options: o, source: task, evalBatches: task.heldOut(batches: 1, batch: 2, length: 48), seed: 5)
        }
        let straight = tinyModel(kind)
        try trainer(straight, dir + "/straight.ckpt").run()

        let first = tinyModel(kind)
        var stopping = options
        stopping.stopAfter = 3
        stopping.checkpointPath = dir + "/killed.ckpt"
        let killed = Trainer(model: first, options: stopping, source: CopyingTask(seed: 5), evalBatches: [], seed: 5)
        try killed.run()
        #expect(killed.state.step == 3)

        let saved = try Checkpoint.loadResume(dir + "/killed.ckpt")
        #expect(saved.state.step == 3)
        let resumedModel = saved.model
        let t2 = trainer(resumedModel, dir + "/killed.ckpt")
        try t2.resume(moments: saved.m, saved.v, state: saved.state)
        try t2.run()
        #expect(t2.state.step == 6)
        #expect(resumedModel.parameterArray() == straight.parameterArray(), "resume differs from an uninterrupted run")
        #expect(resumedModel.parameterArray() != tinyModel(kind).parameterArray())
    }
}

@Suite struct LearningTests {
    /// Copying needs the context: the loss on held-out copies must fall far below log(16), the
    /// loss of a model that knows the symbol set but not the context.
    @Test func learnsToCopy() throws {
        let model = tinyModel(.transformer)
        let task = CopyingTask(seed: 1)
        var options = TrainerSettings()
        options.steps = 250; options.batch = 8; options.length = 96; options.learningRate = 3e-3
        let eval = task.heldOut(batches: 2, batch: 8, length: 96)
        let trainer = Trainer(model: model, options: options, source: task, evalBatches: eval, seed: 1)
        let before = trainer.evaluate()
        try trainer.run()
        let after = trainer.evaluate()
        #expect(before.loss > 4)
        #expect(after.loss < 0.5 * Foundation.log(16.0), "held-out copying loss \(before.loss) -> \(after.loss)")
        // Chance is 1/16 per token.
        #expect(after.tokenAccuracy > 0.5, "held-out copying token accuracy \(after.tokenAccuracy)")
        // The accuracies again from the logits, by hand: a sample is a (batch, row, segment).
        var right = 0, labelled = 0
        var samples: [[Int]: Bool] = [:]
        for (n, b) in eval.enumerated() {
            let logits = model.logits(b), vocab = model.config.vocab
            for i in 0..<(b.batch * b.length) where b.labels[i] >= 0 {
                let row = Array(logits[(i * vocab)..<((i + 1) * vocab)])
                let ok = row.indices.max { row[$0] < row[$1] }! == Int(b.labels[i])
                labelled += 1
                if ok { right += 1 }
                let key = [n, i / b.length, Int(b.segments[i])]
                samples[key] = (samples[key] ?? true) && ok
            }
        }
        #expect(after.tokenAccuracy == Double(right) / Double(labelled))
        #expect(after.sampleAccuracy == Double(samples.values.filter { $0 }.count) / Double(samples.count))
        #expect(after.sampleAccuracy > 0 && after.sampleAccuracy < after.tokenAccuracy)
    }
}
