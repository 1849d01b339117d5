import Foundation
import Models
import ToolSupport

/// Where a run stands: enough, with the weights and AdamW moments, to continue exactly.
public struct TrainingState: Codable, Equatable, Sendable {
    public var step: Int
    public var tokens: Int
    /// The data source's position (opaque to the trainer).
    public var dataPosition: UInt64
    /// The trainer's random generator state.
    public var rng: UInt64
    public init(step: Int, tokens: Int, dataPosition: UInt64, rng: UInt64) {
        self.step = step; self.tokens = tokens; self.dataPosition = dataPosition; self.rng = rng
    }
}

/// A checkpoint is two files written atomically: `PATH` (safetensors weights, named by the layout,
/// the model configuration in "__metadata__") and `PATH.state` (safetensors: AdamW moments "adamw.m"
/// and "adamw.v" over the flat parameter buffer; the TrainingState as JSON in its metadata).
/// The state is renamed into place first, so a weights file is never newer than its state; the step
/// stored in both must agree for a resume.
public enum Checkpoint {
    public static let configKey = "birdie.config"
    public static let stepKey = "birdie.step"
    public static let stateKey = "birdie.state"

    public static func statePath(_ path: String) -> String { path + ".state" }

    /// Weights only (what `score` and users need).
    public static func weightsData(_ model: Model, step: Int) -> Data {
        let tensors = model.layout.tensors.map {
            SafeTensors.Tensor(name: $0.name, shape: $0.shape,
                               values: UnsafeBufferPointer(start: model.parameters + $0.offset, count: $0.count))
        }
        return SafeTensors.encode(tensors, metadata: ["format": "pt", configKey: model.config.json(), stepKey: String(step)])
    }

    public static func save(_ model: Model, moments m: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
                            state: TrainingState, to path: String) throws {
        let n = model.parameterCount
        let stateJSON = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        let stateData = SafeTensors.encode([
            .init(name: "adamw.m", shape: [n], values: UnsafeBufferPointer(start: m, count: n)),
            .init(name: "adamw.v", shape: [n], values: UnsafeBufferPointer(start: v, count: n)),
        ], metadata: [stateKey: stateJSON, stepKey: String(state.step), configKey: model.config.json()])
        let weights = try OutputFile(path)
        let stateFile = try OutputFile(statePath(path))
        weights.write(weightsData(model, step: state.step))
        stateFile.write(stateData)
        try stateFile.commit()
        try weights.commit()
    }

    /// Reads the weights of a checkpoint into a new model.
    public static func loadModel(_ path: String) throws -> (model: Model, step: Int) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ToolError.badInput(path, "cannot read the checkpoint", fix: "check the path")
        }
        let file = try SafeTensors.decode(data, path: path)
        guard let configJSON = file.metadata[configKey], let config = try? ModelConfig.fromJSON(configJSON) else {
            throw ToolError.badInput(path, "no birdie model configuration in the safetensors metadata",
                                     fix: "use a checkpoint written by `train`")
        }
        if let problem = config.validationProblem() { throw ToolError.badInput(path, "model configuration: \(problem)") }
        let model = Model(config, seed: 0)
        for t in model.layout.tensors {
            guard let values = file.values[t.name], file.shapes[t.name] == t.shape else {
                throw ToolError.badInput(path, "tensor \(t.name) is missing or has the wrong shape",
                                         fix: "the checkpoint does not match its own configuration; restore a good copy")
            }
            (model.parameters + t.offset).update(from: values, count: t.count)
        }
        return (model, Int(file.metadata[stepKey] ?? "0") ?? 0)
    }

    /// Reads the optimizer state beside `path`, checking it matches the weights' step and size.
    public static func loadState(_ path: String, parameterCount n: Int, step: Int) throws -> (m: [Float], v: [Float], state: TrainingState) {
        let sp = statePath(path)
        guard let data = FileManager.default.contents(atPath: sp) else {
            throw ToolError.badInput(sp, "the optimizer state beside the checkpoint is missing", fix: "resume needs both files `train` wrote")
        }
        let file = try SafeTensors.decode(data, path: sp)
        guard let json = file.metadata[stateKey], let state = try? JSONDecoder().decode(TrainingState.self, from: Data(json.utf8)) else {
            throw ToolError.badInput(sp, "no training state in the metadata", fix: "use a state file written by `train`")
        }
        guard let m = file.values["adamw.m"], let v = file.values["adamw.v"], m.count == n, v.count == n else {
            throw ToolError.badInput(sp, "AdamW moments missing or not \(n) values", fix: "the state belongs to another model")
        }
        guard state.step == step else {
            throw ToolError.badInput(sp, "state is for step \(state.step) but the weights are for step \(step)",
                                     fix: "the pair is from different checkpoints; restore both from the same run")
        }
        return (m, v, state)
    }
}
