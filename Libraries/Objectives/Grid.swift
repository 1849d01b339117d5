import Foundation
import ToolSupport
import Vocabulary

/// One entry of a grid: an objective with its parameters, the document length range it draws
/// text from (at the grid's reference row length), and the paradigm token its inputs carry.
public struct Configuration: Sendable, Equatable {
    public var name: String
    public var objective: Objective
    public var lengthRange: ClosedRange<Int>
    public var paradigm: TokenID

    public init(name: String, objective: Objective, lengthRange: ClosedRange<Int>, paradigm: TokenID? = nil) {
        self.name = name
        self.objective = objective
        self.lengthRange = lengthRange
        self.paradigm = paradigm ?? objective.objectiveClass.paradigm.rawValue
    }

    public var objectiveClass: ObjectiveClass { objective.objectiveClass }
}

/// An ordered list of configurations; a configuration's index is its position here. Grids are data:
/// JSON files (the built-in ones in Resources/grids/, see docs/FORMATS.md), never code.
public struct Grid: Sendable, Equatable {
    public var name: String
    /// Row length the length ranges were written for; they scale with the actual row length.
    public var referenceRowLength: Int
    public var configurations: [Configuration]

    public init(name: String, referenceRowLength: Int, configurations: [Configuration]) {
        self.name = name
        self.referenceRowLength = referenceRowLength
        self.configurations = configurations
    }

    public var count: Int { configurations.count }
    public var names: [String] { configurations.map(\.name) }
    /// The class of each configuration, by index.
    public var classes: [ObjectiveClass] { configurations.map(\.objectiveClass) }

    public func index(of name: String) -> Int? { configurations.firstIndex { $0.name == name } }

    /// Bounds on a grid file's numbers, so that every length computed from them fits an Int:
    /// lengths (document lengths, reference_row_length, span_length, delimiter_length, mean_span)
    /// are at most a row (Limits.rowLength tokens), spans at most `maxSpans`.
    public static let maxLength = Limits.rowLength
    public static let maxSpans = 1 << 10
    public static let maxConfigurations = Limits.candidates

    /// The grids shipped with the library: one file each in Resources/grids (a new file there is a new name).
    public static let builtInNames = Resources.names(in: "grids")

    /// A built-in grid by name, or a grid file by path.
    public static func resolve(_ nameOrPath: String) throws -> Grid {
        if builtInNames.contains(nameOrPath) {
            return try load(path: Resources.path("grids/\(nameOrPath).json"))
        }
        guard FileManager.default.fileExists(atPath: nameOrPath) else {
            throw ToolError.usage("unknown grid \(Resources.shortened(nameOrPath)): give one of \(builtInNames.joined(separator: ", ")) or a grid file")
        }
        return try load(path: nameOrPath)
    }

    public static func load(path: String) throws -> Grid {
        try parse(Resources.read(path), source: path)
    }

    public static func parse(_ data: Data, source: String) throws -> Grid {
        let file: GridFile
        do {
            file = try JSONDecoder().decode(GridFile.self, from: data)
        } catch {
            throw ToolError.badInput(source, "not a grid file (\(Resources.describe(error)))",
                                     fix: "see docs/FORMATS.md, section Objectives: grid files")
        }
        var seen = Set<String>()
        var configurations = [Configuration]()
        for entry in file.configurations {
            guard seen.insert(entry.name).inserted else {
                throw ToolError.badInput(source, "configuration \"\(Resources.shortened(entry.name))\" appears twice", fix: "give every configuration a unique name")
            }
            do {
                configurations.append(try entry.configuration())
            } catch let problem as GridProblem {
                throw ToolError.badInput(source, "configuration \"\(Resources.shortened(entry.name))\": \(problem.message)",
                                         fix: "see docs/FORMATS.md, section Objectives: grid files")
            }
        }
        guard !configurations.isEmpty, file.referenceRowLength > 0 else {
            throw ToolError.badInput(source, "a grid needs at least one configuration and a positive reference_row_length")
        }
        guard file.referenceRowLength <= Grid.maxLength else {
            throw ToolError.badInput(source, "reference_row_length \(file.referenceRowLength) is over the bound \(Grid.maxLength)",
                                     fix: "give a row length of 1 to \(Grid.maxLength) tokens")
        }
        guard configurations.count <= Grid.maxConfigurations else {
            throw ToolError.badInput(source, "\(configurations.count) configurations, over the bound \(Grid.maxConfigurations)",
                                     fix: "split the grid")
        }
        return Grid(name: file.grid, referenceRowLength: file.referenceRowLength, configurations: configurations)
    }
}

struct GridProblem: Error { let message: String }

/// The JSON shape of a grid file.
struct GridFile: Decodable {
    var grid: String
    var referenceRowLength: Int
    var configurations: [Entry]

    enum CodingKeys: String, CodingKey {
        case grid, configurations
        case referenceRowLength = "reference_row_length"
    }

    struct Entry: Decodable {
        var name: String
        var objective: String
        var length: [Int]
        var paradigm: String?
        var rate: Double?
        var meanSpan: Double?
        var deshuffle: Bool?
        var fraction: Double?
        var spans: Int?
        var spanLength: [Int]?
        var delimiterLength: [Int]?
        var query: SelectiveCopyingSpec.Query?
        /// Optional here (the objective fixes it); written for readers without this library.
        var objectiveClass: String?

        enum CodingKeys: String, CodingKey {
            case name, objective, length, paradigm, rate, deshuffle, fraction, spans, query
            case objectiveClass = "class"
            case meanSpan = "mean_span", spanLength = "span_length", delimiterLength = "delimiter_length"
        }

        func configuration() throws -> Configuration {
            let length = try range(length, "length")
            var paradigmID: TokenID? = nil
            if let paradigm {
                guard let token = SpecialToken.allCases.first(where: { $0.name == paradigm && $0.isParadigm }) else {
                    let names = SpecialToken.allCases.filter(\.isParadigm).map(\.name).joined(separator: ", ")
                    throw GridProblem(message: "unknown paradigm token \"\(Resources.shortened(paradigm))\" (one of \(names))")
                }
                paradigmID = token.rawValue
            }
            let objective = try makeObjective()
            if let objectiveClass, objectiveClass != objective.objectiveClass.rawValue {
                throw GridProblem(message: "\"class\" is \"\(Resources.shortened(objectiveClass))\", but \(objective.name.rawValue) is of class \(objective.objectiveClass.rawValue)")
            }
            return Configuration(name: name, objective: objective, lengthRange: length, paradigm: paradigmID)
        }

        private func makeObjective() throws -> Objective {
            guard let name = ObjectiveName(rawValue: objective) else {
                throw GridProblem(message: "unknown objective \"\(Resources.shortened(objective))\" (\(ObjectiveName.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            switch name {
            case .nextToken: return .nextToken
            case .prefixLM: return .prefixLM
            case .copying: return .copying
            case .spanCorruption: return .spanCorruption(try noise())
            case .fullSpanCorruption: return .fullSpanCorruption(try noise(), deshuffle: deshuffle ?? false)
            case .deshuffling:
                guard let fraction, fraction > 0, fraction <= 1 else {
                    throw GridProblem(message: "deshuffling needs \"fraction\" in (0, 1]")
                }
                return .deshuffling(fraction: fraction)
            case .selectiveCopying:
                guard let spans, spans >= 1, spans <= Grid.maxSpans, let query else {
                    throw GridProblem(message: "selective copying needs \"spans\" from 1 to \(Grid.maxSpans) and \"query\" (before or after)")
                }
                return .selectiveCopying(SelectiveCopyingSpec(
                    spans: spans, spanLength: try range(spanLength ?? [4, 32], "span_length"),
                    delimiterLength: try range(delimiterLength ?? [1, 8], "delimiter_length"), query: query))
            }
        }

        private func noise() throws -> SpanNoise {
            guard let rate, rate > 0, rate < 1, let meanSpan, meanSpan >= 1, meanSpan <= Double(Grid.maxLength) else {
                throw GridProblem(message: "\(objective) needs \"rate\" in (0, 1) and \"mean_span\" from 1 to \(Grid.maxLength)")
            }
            return SpanNoise(rate: rate, meanSpan: meanSpan)
        }

        private func range(_ pair: [Int], _ key: String) throws -> ClosedRange<Int> {
            guard pair.count == 2, pair[0] >= 1, pair[0] <= pair[1], pair[1] <= Grid.maxLength else {
                throw GridProblem(message: "\"\(key)\" must be [low, high] with 1 <= low <= high <= \(Grid.maxLength)")
            }
            return pair[0]...pair[1]
        }
    }
}

/// Files shipped in Resources/ (Bundle.module) and user files.
enum Resources {
    static func path(_ relative: String) -> String {
        Bundle.module.bundleURL.appendingPathComponent("Resources/" + relative).path
    }

    /// The names of the JSON files in a folder of Resources/, sorted.
    static func names(in folder: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: path(folder))) ?? []
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    static func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ToolError.badInput(path, "cannot read the file", fix: "check the path")
        }
        return data
    }

    /// A name from a file as errors quote it: the first 60 characters and "...", so that a
    /// 50 MB name is not echoed whole.
    public static func shortened(_ name: String, to limit: Int = 60) -> String {
        name.count <= limit ? name : String(name.prefix(limit)) + "..."
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing \"\(key.stringValue)\"" + at(context)
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type" + at(context)
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "bad value" + at(context)
        default:
            return "\(error)"
        }
    }

    private static func at(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return path.isEmpty ? "" : " at \(path)"
    }
}
