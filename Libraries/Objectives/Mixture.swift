import Foundation
import ToolSupport
import Randomness

/// A probability for each configuration of a grid: what the sampler draws from. The controller
/// emits the same JSON shape it is read from (docs/FORMATS.md):
///
///     {"grid": "light", "mixture": {"next-token": 0.25, "copy-l64-256": 0.75}}
///
/// Configurations left out get probability 0; other top-level keys (e.g. "step") are ignored.
public struct Mixture: Sendable, Equatable {
    public let grid: Grid
    public let probabilities: [Double]

    /// How far the probabilities may sum from 1 before the mixture is refused.
    public static let tolerance = 1e-6

    /// Validates and renormalises `probabilities` (one per configuration of `grid`).
    public init(grid: Grid, probabilities: [Double], source: String = "mixture") throws {
        guard probabilities.count == grid.count else {
            throw ToolError.badInput(source, "\(probabilities.count) probabilities for \(grid.count) configurations of grid \(Resources.shortened(grid.name))")
        }
        if let bad = probabilities.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw ToolError.badInput(source, "probability \(probabilities[bad]) of \"\(Resources.shortened(grid.configurations[bad].name))\" is not a number >= 0")
        }
        let sum = probabilities.reduce(0, +)
        guard abs(sum - 1) <= Mixture.tolerance else {
            throw ToolError.badInput(source, "probabilities sum to \(sum), not 1", fix: "normalise them (tolerance \(Mixture.tolerance))")
        }
        self.grid = grid
        self.probabilities = probabilities.map { $0 / sum }
    }

    /// The starting mixture: every class present gets the same share, split evenly within it.
    public static func starting(_ grid: Grid) -> Mixture {
        var perClass = [ObjectiveClass: Int]()
        for c in grid.classes { perClass[c, default: 0] += 1 }
        let classShare = 1 / Double(perClass.count)
        let p = grid.classes.map { classShare / Double(perClass[$0]!) }
        return try! Mixture(grid: grid, probabilities: p)
    }

    /// All the weight on one configuration (e.g. for per-configuration validation batches).
    public static func single(_ index: Int, of grid: Grid) -> Mixture {
        var p = [Double](repeating: 0, count: grid.count)
        p[index] = 1
        return try! Mixture(grid: grid, probabilities: p)
    }

    /// The share of each class, in ObjectiveClass order (classes absent from the grid get 0).
    public var classShares: [(ObjectiveClass, Double)] {
        ObjectiveClass.allCases.map { c in
            (c, zip(grid.classes, probabilities).filter { $0.0 == c }.map(\.1).reduce(0, +))
        }
    }

    /// The named mixtures shipped in Resources/mixtures/, one file each (docs/METHOD.md 3.2): clm, ul2,
    /// bfr (the pool at its starting mixture, held fixed), birdie (the same: where the controller
    /// starts) and light. A new file there is a new name.
    public static let builtInNames = Resources.names(in: "mixtures")

    /// A named mixture, or a mixture file by path.
    public static func resolve(_ nameOrPath: String) throws -> Mixture {
        if builtInNames.contains(nameOrPath) {
            return try load(path: Resources.path("mixtures/\(nameOrPath).json"))
        }
        guard FileManager.default.fileExists(atPath: nameOrPath) else {
            throw ToolError.usage("unknown mixture \(Resources.shortened(nameOrPath)): give one of \(builtInNames.joined(separator: ", ")) or a mixture file")
        }
        return try load(path: nameOrPath)
    }

    /// Reads a mixture file: one JSON object, or JSON lines (a controller's log) of which the
    /// last one counts.
    public static func load(path: String) throws -> Mixture {
        var data = try Resources.read(path)
        if (try? JSONSerialization.jsonObject(with: data)) == nil,
           let last = data.split(separator: UInt8(ascii: "\n")).last(where: { $0.contains(UInt8(ascii: "{")) }) {
            data = Data(last)
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(data, source: path, folder: folder)
    }

    /// Parses the JSON shape above; a grid that is not built in is looked up as a path, first as
    /// given, then relative to `folder`.
    public static func parse(_ data: Data, source: String, folder: String? = nil) throws -> Mixture {
        struct File: Decodable { var grid: String?; var mixture: [String: Double] }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw ToolError.badInput(source, "not a mixture file (\(Resources.describe(error)))",
                                     fix: "expected {\"grid\": \"birdie\", \"mixture\": {\"configuration-name\": probability, ...}}")
        }
        let gridName = file.grid ?? "birdie"
        var gridPath = gridName
        if !Grid.builtInNames.contains(gridName), !FileManager.default.fileExists(atPath: gridName),
           let folder, !gridName.hasPrefix("/") {
            gridPath = folder + "/" + gridName
        }
        let grid: Grid
        do {
            grid = try Grid.resolve(gridPath)
        } catch let error as ToolError {
            throw ToolError.badInput(source, "grid \"\(Resources.shortened(gridName))\": \(error.message)")
        }
        var p = [Double](repeating: 0, count: grid.count)
        for name in file.mixture.keys.sorted() {
            guard let i = grid.index(of: name) else {
                throw ToolError.badInput(source, "unknown configuration \"\(Resources.shortened(name))\" for grid \(Resources.shortened(grid.name))",
                                         fix: "use the names of the grid (corrupt --list-configurations --mixture \(Resources.shortened(gridName)))")
            }
            p[i] = file.mixture[name]!
        }
        return try Mixture(grid: grid, probabilities: p, source: source)
    }

    /// The JSON line of this mixture (configurations in grid order, zeros left out).
    public func json() -> String {
        let kept = zip(grid.names, probabilities).filter { $0.1 > 0 }
        return JSON.object([.init("grid", .string(grid.name)), .init("mixture", .numbers(kept.map(\.0), kept.map(\.1)))]).text(spaced: true)
    }
}

/// Draws configuration indices from a probability vector (the controller's action).
public struct ConfigurationSampler: Sendable {
    private let cumulative: [Double]

    /// `probabilities` need not be normalised; they must be >= 0 with a positive sum.
    public init(probabilities: [Double]) {
        var sum = 0.0
        cumulative = probabilities.map { sum += max($0, 0); return sum }
        precondition(sum > 0, "ConfigurationSampler needs a positive probability")
    }

    /// The first index whose cumulative probability exceeds a uniform draw (never a zero entry).
    public func draw(_ rng: inout Xoshiro256StarStar) -> Int {
        let u = rng.unit() * cumulative[cumulative.count - 1]
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
