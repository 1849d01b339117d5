import Foundation
import ToolSupport

/// `critic run`'s loop (docs/CRITIC.md): each evaluation line in, one decision line out, the
/// state file rewritten atomically after each decision. A bad line is bad input (exit 65) naming
/// the source and line number; the lines before it were answered.
public struct CriticRun {
    public let controller: BirdieController
    /// The grid's name for the output lines (they are then mixture files too).
    public var grid: String?
    /// Where the state goes after every decision (nil: nowhere).
    public var statePath: String?

    public init(controller: BirdieController, grid: String?, statePath: String?) {
        self.controller = controller; self.grid = grid; self.statePath = statePath
    }

    /// The run of `critic run`: resumed from the state file when it exists (its settings apply),
    /// else a new controller over the configurations file (a grid file, or a JSON array of
    /// {"name", "class"}) with `settings`.
    public static func start(configurations path: String?, statePath: String?, settings: ControllerSettings,
                             note: (String) -> Void) throws -> CriticRun {
        var given: ConfigurationSet?, grid: String?
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ToolError.badInput(path, "cannot read", fix: "check the path")
            }
            do { (given, grid) = try CriticProtocol.readConfigurations(data, source: path) }
            catch let e as ControllerError { throw ToolError(.dataError, e.description + "; see docs/CRITIC.md") }   // names the path
        }
        if let statePath, let data = FileManager.default.contents(atPath: statePath) {
            let controller: BirdieController
            do { controller = try BirdieController(state: data, source: statePath) }
            catch let e as ControllerError { throw ToolError(.dataError, e.description) }
            if let given, given != controller.configurations {
                throw ToolError.badInput(statePath, "holds other configurations than \(path!)",
                                         fix: "use the state file of this run, or delete it to start afresh")
            }
            note("resuming from \(statePath) after \(controller.history.count) evaluations (its settings apply)")
            return CriticRun(controller: controller, grid: grid ?? controller.grid, statePath: statePath)
        }
        guard let given else { throw ToolError.usage("critic: --configurations is required (no state file to resume from)") }
        do {
            let controller = try BirdieController(configurations: given, settings: settings)
            controller.grid = grid
            return CriticRun(controller: controller, grid: grid, statePath: statePath)
        } catch let e as ControllerError { throw ToolError.usage("critic: \(e.description)") }
    }

    /// Answers every line read from the descriptor `input` (named `name` in messages) through
    /// `write`, in order; `note` gets the controller's remarks (a skipped evaluation) and, with
    /// `verbose`, each decision.
    public func answer(_ input: Int32, name: String, verbose: Bool = false,
                       note: (String) -> Void = { _ in }, write: (String) throws -> Void) throws {
        let set = controller.configurations
        var lineNumber = 0
        var reader = LineReader(input, name: name)
        while let line = try reader.next() {
            lineNumber += 1
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            let where_ = "\(name) line \(lineNumber)"
            let decision: Decision
            do {
                decision = try controller.observe(CriticProtocol.parseEvaluation(line, configurations: set))
            } catch let error as ControllerError {
                throw ToolError.badInput(where_, error.description, fix: "see docs/CRITIC.md for the line format")
            }
            if let remark = decision.note { note("\(where_): \(remark)") }
            if decision.phase != .skipped, let statePath {
                try OutputFile.write(try controller.stateData(), to: statePath)
            }
            try write(CriticProtocol.format(decision, configurations: set, grid: grid))
            if verbose {
                note("step \(decision.step): \(decision.phase.rawValue), reward \(decision.totalReward ?? 0), critic loss \(decision.criticLoss ?? 0)")
            }
        }
    }
}

/// Lines of a file descriptor, read as they arrive (so a trainer can wait for each answer).
struct LineReader {
    let fd: Int32
    let name: String
    var buffer = Data()
    var finished = false

    init(_ fd: Int32, name: String) { self.fd = fd; self.name = name }

    /// The next line without its break; nil at the end; a read error throws.
    mutating func next() throws -> String? {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[(newline + 1)...])
                return String(decoding: line, as: UTF8.self)
            }
            if finished {
                guard !buffer.isEmpty else { return nil }
                defer { buffer = Data() }
                return String(decoding: buffer, as: UTF8.self)
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { buffer.append(chunk, count: n) } else if n == 0 { finished = true } else if errno != EINTR {
                throw ToolError(.failure, "\(name): read failed: \(String(cString: strerror(errno)))")
            }
        }
    }
}
