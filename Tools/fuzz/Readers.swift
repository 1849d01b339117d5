import Controller
import Foundation
import Formats
import Objectives
import Packing
import Tasks
import Tokenizer
import ToolSupport
import Training

/// One reader as the tools use it: the seed files it starts from (made by Pipelines/fuzz/seeds.sh),
/// how its inputs are mutated, and the whole read the tool does. `read` throws what the tool would
/// report; the harness maps it to the tool's exit code.
struct FuzzedReader: Sendable {
    let name: String
    let seeds: [String]
    /// The name the input is written under (a training state is read as PATH.state).
    var fileName = "input"
    let mutate: @Sendable (inout Mutator, inout [UInt8]) -> Void
    let read: @Sendable (_ path: String, _ seeds: String) throws -> Void
}

/// The readers, in the order `make fuzz` runs them: every binary reader and the JSON-lines readers.
let allReaders: [FuzzedReader] = [
    FuzzedReader(name: "token-documents", seeds: ["docs.tok", "docs-zstd.tok"], mutate: { $0.mutateRecordStream(&$1) }) { path, _ in
        let reader = try TokenDocumentReader(path: path)
        while try reader.next() != nil {}
    },
    FuzzedReader(name: "objective-samples", seeds: ["samples.smp"], mutate: { $0.mutateRecordStream(&$1) }) { path, _ in
        let reader = try SampleReader(path: path)
        while try reader.next() != nil {}
    },
    FuzzedReader(name: "packed-rows", seeds: ["rows.pack"], mutate: { $0.mutateRecordStream(&$1) }) { path, _ in
        let reader = try RowReader(path: path)
        while try reader.next() != nil {}
    },
    FuzzedReader(name: "tokenizer-model", seeds: ["tok.model"],
                 mutate: { m, b in if m.chance(0.85) { m.mutateJSON(&b) } else { m.mutateBytes(&b) } }) { path, _ in
        _ = try BPEModel.load(path: path)
    },
    FuzzedReader(name: "checkpoint", seeds: ["ssm.ckpt", "transformer.ckpt"], mutate: { $0.mutateSafeTensors(&$1) }) { path, _ in
        _ = try Checkpoint.loadModel(path)
    },
    // What `train --resume` reads: weights, moments and state, and a Birdie run's controller and mixture changes.
    FuzzedReader(name: "training-state", seeds: ["ssm.ckpt.state", "birdie.ckpt.state"], fileName: "input.state",
                 mutate: { $0.mutateSafeTensors(&$1) }) { path, _ in
        let checkpoint = String(path.dropLast(".state".count))
        _ = try Checkpoint.loadResume(checkpoint)
        let attachments = try Checkpoint.loadAttachments(checkpoint)
        if !attachments.isEmpty { _ = try BirdieProcedure.restore(attachments, grid: lightGrid, path: checkpoint) }
    },
    FuzzedReader(name: "critic-state", seeds: ["critic.state"], mutate: { $0.mutateCriticState(&$1) }) { path, _ in
        _ = try controllerErrorsAreBadInput { try BirdieController(state: try readInput(path), source: path) }
    },
    FuzzedReader(name: "phone-books", seeds: ["books.jsonl"], mutate: { $0.mutateLines(&$1) }) { path, _ in
        _ = try JSONLines.read(PhoneBookItem.self, path: path)
    },
    FuzzedReader(name: "infilling", seeds: ["infill.jsonl"], mutate: { $0.mutateLines(&$1) }) { path, _ in
        _ = try JSONLines.read(InfillItem.self, path: path)
    },
    // `corrupt --mixture` and `train --grid` on a grid file: parsed, its lengths at several row
    // lengths (where unchecked numbers overflowed) and a few samples of every configuration.
    FuzzedReader(name: "grid", seeds: ["grid.json", "grid-wide.json"], fileName: "input.json",
                 mutate: { m, b in if m.chance(0.9) { m.mutateJSON(&b) } else { m.mutateBytes(&b) } }) { path, _ in
        try useGrid(try Grid.load(path: path))
    },
    // A mixture file (one object, or a controller's JSON lines of which the last counts) and the grid it names.
    FuzzedReader(name: "mixture", seeds: ["mixture.json", "mixture-log.jsonl"], fileName: "input.json",
                 mutate: { m, b in if m.chance(0.5) { m.mutateLines(&b) } else if m.chance(0.9) { m.mutateJSON(&b) } else { m.mutateBytes(&b) } }) { path, _ in
        let mixture = try Mixture.load(path: path)
        try useGrid(mixture.grid, mixture: mixture)
    },
    // `critic run` on evaluation lines, with a small critic so that each input is quick.
    FuzzedReader(name: "critic-input", seeds: ["evaluations.jsonl"], mutate: { $0.mutateLines(&$1) }) { path, seeds in
        let grid = seeds + "/grid.json"
        let set = try controllerErrorsAreBadInput { try CriticProtocol.readConfigurations(try readInput(grid), source: grid).set }
        var settings = ControllerSettings(seed: 1, totalSteps: 200)
        settings.width = 16; settings.layers = 1; settings.training.steps = 4; settings.sampler.candidates = 64
        let controller = try BirdieController(configurations: set, settings: settings)
        let input = open(path, O_RDONLY)
        guard input >= 0 else { throw ToolError.badInput(path, "cannot open") }
        defer { close(input) }
        try CriticRun(controller: controller, grid: "light", statePath: nil).answer(input, name: path, write: { _ in })
    },
]

/// What `corrupt` does with a grid once read: the listing at a short, a usual and the longest row
/// length, and samples of each configuration that fits (from synthetic documents).
func useGrid(_ grid: Grid, mixture: Mixture? = nil) throws {
    for rowLength in [16, 2048, Limits.rowLength] {
        _ = CorruptCommand.listing(mixture ?? Mixture.starting(grid), rowLength: rowLength)
    }
    for index in grid.configurations.indices.prefix(16)
    where SampleGenerator.textLengthRange(grid.configurations[index], rowLength: 2048, referenceRowLength: grid.referenceRowLength) != nil {
        var generator = try SampleGenerator(mixture: .single(index, of: grid), rowLength: 2048, seed: 1)
        var documents = fuzzDocuments.makeIterator()
        for _ in 0..<4 { _ = generator.next(from: &documents) }
    }
}

/// Synthetic documents for `useGrid`'s samples.
let fuzzDocuments = ObjectiveBenchmark.syntheticDocuments(count: 8, length: 4096, seed: 1)

/// The grid of the seeds' Birdie run (Pipelines/fuzz/seeds.sh).
let lightGrid = try! Grid.resolve("light")

/// The critic maps its library's errors to bad input (exit 65), as `critic` does.
func controllerErrorsAreBadInput<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ControllerError { throw ToolError(.dataError, e.description) }
}
