import Foundation
import Kernels
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
    /// The flags that define the run (model, data, seed, rate, batch, ...), as given; `--resume`
    /// refuses a command that differs. Absent in states written before it was recorded.
    public var run: [String: String]?
    public init(step: Int, tokens: Int, dataPosition: UInt64, rng: UInt64, run: [String: String]? = nil) {
        self.step = step; self.tokens = tokens; self.dataPosition = dataPosition; self.rng = rng; self.run = run
    }

    /// Throws a usage error when the command resuming this state would run a different experiment:
    /// a defining flag differs from the run's (each named), or --steps does not go past the state's step.
    public func checkResume(flags: [String: String], steps: Int, path: String) throws {
        if let run {
            let differing = Set(run.keys).union(flags.keys).sorted().filter { run[$0] != flags[$0] }
            if !differing.isEmpty {
                let list = differing.map { "--\($0) \(flags[$0] ?? "(none)") (the run: \(run[$0] ?? "(none)"))" }
                throw ToolError.usage("--resume \(path): this command differs from the run it continues: \(list.joined(separator: ", ")); give the run's flags")
            }
        }
        if steps <= step {
            throw ToolError.usage("--resume \(path): the run is at step \(step) already; give --steps above \(step) to train further")
        }
    }
}

/// A checkpoint is two files written atomically: `PATH` (safetensors weights, named by the layout,
/// the model configuration in "__metadata__"), for users and `score`; and `PATH.state`, everything a
/// resume needs in one file (safetensors: the flat parameter buffer "parameters", AdamW moments
/// "adamw.m" and "adamw.v"; configuration and TrainingState as JSON in its metadata). The state is
/// renamed into place first: a run killed between the two renames resumes from the newer state.
public enum Checkpoint {
    public static let configKey = "birdie.config"
    public static let stepKey = "birdie.step"
    public static let stateKey = "birdie.state"
    /// The matrix products' precision the weights were trained in (what `--precision` resolved to).
    public static let precisionKey = "birdie.precision"

    public static func statePath(_ path: String) -> String { path + ".state" }
    /// Weights kept at one step of a run (`finetune --snapshots`).
    public static func snapshotPath(_ path: String, step: Int) -> String { path + ".step-\(step)" }

    /// Weights only (what `score` and users need).
    public static func weightsData(_ model: Model, step: Int) -> Data {
        let tensors = model.layout.tensors.map {
            SafeTensors.Tensor(name: $0.name, shape: $0.shape,
                               values: UnsafeBufferPointer(start: model.parameters + $0.offset, count: $0.count))
        }
        return SafeTensors.encode(tensors, metadata: ["format": "pt", configKey: model.config.json(), stepKey: String(step),
                                                          precisionKey: Engine.products.precision.rawValue])
    }

    public static func save(_ model: Model, moments m: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
                            state: TrainingState, attachments: [String: Data] = [:], to path: String) throws {
        let n = model.parameterCount
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]   // same bytes for the same state
        let stateJSON = String(decoding: try encoder.encode(state), as: UTF8.self)
        let stateData = SafeTensors.encode([
            .init(name: "parameters", shape: [n], values: UnsafeBufferPointer(start: model.parameters, count: n)),
            .init(name: "adamw.m", shape: [n], values: UnsafeBufferPointer(start: m, count: n)),
            .init(name: "adamw.v", shape: [n], values: UnsafeBufferPointer(start: v, count: n)),
        ], metadata: [stateKey: stateJSON, stepKey: String(state.step), configKey: model.config.json(),
                      precisionKey: Engine.products.precision.rawValue]
            .merging(attachmentMetadata(attachments)) { a, _ in a })
        let weights = try OutputFile(path)
        let stateFile = try OutputFile(statePath(path))
        try weights.write(weightsData(model, step: state.step))
        try stateFile.write(stateData)
        try stateFile.commit()
        try weights.commit()
    }

    static func config(_ file: SafeTensors.File, path: String, parameters: Int) throws -> ModelConfig {
        guard let json = file.metadata[configKey], let config = try? ModelConfig.fromJSON(json) else {
            throw ToolError.badInput(path, "no birdie model configuration in the safetensors metadata",
                                     fix: "use a checkpoint written by `train`")
        }
        if let problem = config.validationProblem() { throw ToolError.badInput(path, "model configuration: \(problem)") }
        // The model is allocated from the configuration: it must be no larger than the file's tensors.
        let widths = [config.dModel, config.state, config.mlpHidden, config.heads]
        guard widths.allSatisfy({ $0 <= Limits.width }), config.layers <= Limits.layers, config.vocab <= Limits.vocabulary,
              config.parameterCount == parameters else {
            throw ToolError.badInput(path, "model configuration does not match the \(parameters) values of the file",
                                     fix: "restore a good copy of the checkpoint")
        }
        return config
    }

    /// Reads the weights of a checkpoint into a new model.
    public static func loadModel(_ path: String) throws -> (model: Model, step: Int) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ToolError.badInput(path, "cannot read the checkpoint", fix: "check the path")
        }
        let file = try SafeTensors.decode(data, path: path)
        let model = Model(try config(file, path: path, parameters: file.values.values.reduce(0) { $0 + $1.count }), seed: 0)
        for t in model.layout.tensors {
            guard let values = file.values[t.name], file.shapes[t.name] == t.shape else {
                throw ToolError.badInput(path, "tensor \(t.name) is missing or has the wrong shape",
                                         fix: "the checkpoint does not match its own configuration; restore a good copy")
            }
            (model.parameters + t.offset).update(from: values, count: t.count)
        }
        return (model, Int(file.metadata[stepKey] ?? "0") ?? 0)
    }

    /// What a resumed run restores: moments and where it stood.
    public typealias Saved = (m: [Float], v: [Float], state: TrainingState)

    /// `--resume PATH` of `train` and `finetune`: the run saved there, refused (exit 64) when the
    /// command's defining flags differ from it or its --steps do not go past it.
    public static func resume(_ path: String, flags: [String: String], steps: Int) throws -> (model: Model, saved: Saved) {
        let loaded = try loadResume(path)
        try loaded.state.checkResume(flags: flags, steps: steps, path: path)
        return (loaded.model, (loaded.m, loaded.v, loaded.state))
    }

    /// Everything to continue the run saved at `path`: reads `PATH.state`.
    public static func loadResume(_ path: String) throws -> (model: Model, m: [Float], v: [Float], state: TrainingState) {
        let sp = statePath(path)
        guard let data = FileManager.default.contents(atPath: sp) else {
            throw ToolError.badInput(sp, "cannot read the training state beside the checkpoint", fix: "resume needs the PATH.state file `train` wrote")
        }
        let file = try SafeTensors.decode(data, path: sp)
        let model = Model(try config(file, path: sp, parameters: file.values["parameters"]?.count ?? 0), seed: 0)
        let n = model.parameterCount
        guard let json = file.metadata[stateKey], let state = try? JSONDecoder().decode(TrainingState.self, from: Data(json.utf8)) else {
            throw ToolError.badInput(sp, "no training state in the metadata", fix: "use a state file written by `train`")
        }
        // At most Limits.batch rows per step were read, so a larger data position is corrupt (and
        // seeking to it would take forever).
        guard state.step >= 0, state.step <= Int(Int32.max), state.tokens >= 0,
              state.dataPosition <= UInt64(state.step) * UInt64(Limits.batch) else {
            throw ToolError.badInput(sp, "training state out of range (step \(state.step), tokens \(state.tokens), data position \(state.dataPosition))",
                                     fix: "restore a good copy of the state file")
        }
        guard let p = file.values["parameters"], let m = file.values["adamw.m"], let v = file.values["adamw.v"],
              p.count == n, m.count == n, v.count == n else {
            throw ToolError.badInput(sp, "parameters or AdamW moments missing or not \(n) values", fix: "restore a good copy")
        }
        model.setParameters(p)
        return (model, m, v, state)
    }
}
