import Controller
import Distributed
import Foundation
import Models
import Objectives
import ToolSupport

/// The Birdie procedure inside the training loop (docs/METHOD.md 4): at each step of the controller's
/// schedule (scaled to the run), measure the loss of every configuration on its fixed held-out rows,
/// hand the evaluation to the controller, train with the mixture it returns until the next one, and
/// log both. Call `afterStep` after every optimizer step (Trainer.run's report) and save
/// `checkpointAttachments()` with every checkpoint (Trainer.attachments).
///
///     let birdie = try BirdieProcedure(grid: grid, source: source, validation: validation,
///                                      settings: ControllerSettings(seed: seed, totalSteps: steps))
///     trainer.attachments = birdie.checkpointAttachments
///     try trainer.run { r in try birdie.afterStep(r.step, model: trainer.model) }
public final class BirdieProcedure {
    public let grid: Grid
    public let configurations: ConfigurationSet
    public private(set) var controller: BirdieController
    public let validation: ConfigurationValidation
    public let source: MixtureCorpusSource
    /// Where skipped evaluations are reported (stderr by default).
    public var notice: (String) -> Void = { printError($0) }
    /// Seconds spent measuring the validation losses, and in the controller (decisions, log).
    public private(set) var validationSeconds = 0.0
    public private(set) var controllerSeconds = 0.0
    public private(set) var evaluations = 0
    let log: ControllerLog?

    /// The weights the source must start with: the controller's starting mixture (every class an
    /// equal share, split evenly within it).
    public static func startingWeights(_ grid: Grid) throws -> [Double] {
        try ConfigurationSet(grid: grid).startingMixture
    }

    /// `resume`: the attachments of the checkpoint the run continues from (Checkpoint.loadAttachments);
    /// set them before the Trainer seeks the source. `logPath`: the JSON-lines log (ControllerLog);
    /// on resume, its lines after `resume.step` are dropped.
    public init(grid: Grid, source: MixtureCorpusSource, validation: ConfigurationValidation, settings: ControllerSettings,
                logPath: String? = nil, resume: (attachments: [String: Data], step: Int, path: String)? = nil) throws {
        self.grid = grid
        configurations = try ConfigurationSet(grid: grid)
        precondition(validation.grid.names == grid.names && source.grid.names == grid.names
                     && source.startingWeights == configurations.startingMixture, "source, validation and controller disagree")
        self.validation = validation
        self.source = source
        if let resume {
            let where_ = Checkpoint.statePath(resume.path)
            let restored = try Self.restore(resume.attachments, grid: grid, path: resume.path)
            controller = restored.controller
            guard controller.configurations == configurations, controller.settings == settings else {
                throw ToolError.badInput(where_, "the controller state is for another grid, seed or --steps",
                                         fix: "resume with the flags of the original run")
            }
            source.restoreChanges(restored.changes)
        } else {
            controller = try BirdieController(configurations: configurations, settings: settings)
        }
        controller.grid = grid.name
        log = try logPath.map { try ControllerLog(path: $0, keepingStepsUpTo: resume?.step ?? 0) }
    }

    /// Runs an evaluation if `step` is on the schedule. On N ranks the configurations' losses are
    /// split over the ranks and gathered, rank 0 runs the controller and broadcasts the mixture.
    public func afterStep(_ step: Int, model: Model) throws {
        guard controller.schedule.isEvaluation(step: step) else { return }
        let started = Date()
        let ranks = Ranks.world
        let losses = validation.losses(model, ranks: ranks)
        let measured = Date()
        if ranks.count == 1 {
            try observe(step: step, losses: losses)
        } else {
            // [1 if the mixture changes, the K weights]: bits, so every rank's rows stay the same.
            var message = [Double](repeating: 0, count: 1 + grid.count)
            if ranks.isRoot {
                let decision = try observe(step: step, losses: losses)
                if decision.phase != .skipped { message = [1] + decision.mixture }
            }
            message = ranks.broadcast(message)
            if !ranks.isRoot && message[0] == 1 { try source.setMixture(weights: Array(message.dropFirst())) }
        }
        validationSeconds += measured.timeIntervalSince(started)
        controllerSeconds += Date().timeIntervalSince(measured)
    }

    /// Hands one evaluation to the controller, sets the mixture it chose on the source, logs the
    /// line. A non-finite loss skips the evaluation: the mixture stays, the log line says
    /// "skipped" with the controller's note, and `notice` reports it.
    @discardableResult
    public func observe(step: Int, losses: [Double]) throws -> Decision {
        let evaluation = Evaluation(step: step, losses: losses, action: controller.mixture)
        let decision: Decision
        do { decision = try controller.observe(evaluation) }
        catch let e as ControllerError { throw ToolError(.failure, "the Birdie controller refused step \(step): \(e.description)") }
        evaluations += 1
        if let note = decision.note { notice("train: step \(step): \(note)") }
        if decision.phase != .skipped { try source.setMixture(weights: decision.mixture) }
        try log?.append(ControllerLog.line(evaluation, decision, configurations: configurations, grid: grid.name))
        return decision
    }

    // MARK: Checkpoints

    static let controllerKey = "birdie-controller"
    static let mixturesKey = "birdie-mixtures"

    /// The controller and the mixture changes a checkpoint's attachments hold (checkpointAttachments),
    /// checked: what a resume restores. Bad bytes are bad input in PATH.state (exit 65).
    public static func restore(_ attachments: [String: Data], grid: Grid, path: String) throws
        -> (controller: BirdieController, changes: [(position: UInt64, weights: [Double])]) {
        let where_ = Checkpoint.statePath(path)
        guard let state = attachments[controllerKey], let changes = attachments[mixturesKey] else {
            throw ToolError.badInput(where_, "no Birdie controller state in the checkpoint",
                                     fix: "resume a birdie run with the checkpoint it wrote (and the same --procedure)")
        }
        do {
            return (try BirdieController(state: state, source: where_), try decodeChanges(changes, grid: grid, source: where_))
        } catch let e as ControllerError { throw ToolError(.dataError, e.description) }   // names where_ already
    }

    /// The controller's state and the mixture changes the source made (to replay its rows).
    public func checkpointAttachments() throws -> [String: Data] {
        [Self.controllerKey: try controller.stateData(), Self.mixturesKey: Self.encodeChanges(source.changes)]
    }

    /// Changes as little-endian UInt64 count, then per change: UInt64 position, K Float64 weights.
    static func encodeChanges(_ changes: [(position: UInt64, weights: [Double])]) -> Data {
        var data = Data()
        func put(_ x: UInt64) { withUnsafeBytes(of: x.littleEndian) { data.append(contentsOf: $0) } }
        put(UInt64(changes.count))
        for c in changes {
            put(c.position)
            for p in c.weights { put(p.bitPattern) }
        }
        return data
    }

    static func decodeChanges(_ data: Data, grid: Grid, source: String) throws -> [(position: UInt64, weights: [Double])] {
        let bytes = [UInt8](data)
        func word(_ i: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[8 * i + $1]) << (8 * $1) } }
        // The count is checked against the file's size before it is multiplied (no overflow).
        guard bytes.count >= 8, bytes.count % 8 == 0, word(0) <= UInt64(bytes.count / 8),
              Int(word(0)) * (1 + grid.count) + 1 == bytes.count / 8 else {
            throw ToolError.badInput(source, "the saved mixture changes do not match grid \(grid.name)", fix: "resume with the flags of the original run")
        }
        let changes = (0..<Int(word(0))).map { c in
            let base = 1 + c * (1 + grid.count)
            return (position: word(base), weights: (0..<grid.count).map { Double(bitPattern: word(base + 1 + $0)) })
        }
        guard zip(changes, changes.dropFirst()).allSatisfy({ $0.position <= $1.position }),
              changes.allSatisfy({ $0.weights.allSatisfy { $0.isFinite && $0 >= 0 } }) else {
            throw ToolError.badInput(source, "the saved mixture changes are out of order or not weights", fix: "restore a good copy of the state file")
        }
        return changes
    }
}

extension ConfigurationSet {
    /// The controller's view of a grid: names and classes (full span corruption with and without
    /// deshuffling is one class, `autoencoding`), as `critic --configurations GRIDFILE` reads it.
    public init(grid: Grid) throws {
        try self.init(grid.configurations.map { ControllerConfiguration(name: $0.name, objectiveClass: $0.objectiveClass.rawValue) })
    }
}
