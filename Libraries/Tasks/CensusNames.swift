import Foundation
import ToolSupport

/// First and last names from the US Census 1990 lists shipped in the PyPI package `names` 0.3.0
/// (`make data` puts them in data/names): `dist.female.first`, `dist.male.first`, `dist.all.last`,
/// one name per line followed by frequency columns.
public struct CensusNames: Sendable {
    public static let defaultDirectory = "data/names"
    public static let firstNameFiles = ["dist.female.first", "dist.male.first"]
    public static let lastNameFile = "dist.all.last"

    /// Capitalised ("Mary"), each once, in file order.
    public let first: [String]
    public let last: [String]

    public init(first: [String], last: [String]) {
        self.first = first
        self.last = last
    }

    /// Loads the three files from `directory`; a missing or empty file is bad input (exit 65).
    public init(directory: String) throws {
        var first: [String] = []
        var seen = Set<String>()
        for file in Self.firstNameFiles {
            for name in try Self.read(directory, file) where seen.insert(name).inserted { first.append(name) }
        }
        self.init(first: first, last: try Self.read(directory, Self.lastNameFile))
    }

    private static func read(_ directory: String, _ file: String) throws -> [String] {
        let path = (directory as NSString).appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ToolError.badInput(path, "missing census name file",
                                     fix: "run `make data` or pass --names with a folder holding \(file)")
        }
        var names: [String] = []
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            guard let word = line.split(separator: " ").first else { continue }
            guard word.allSatisfy({ $0.isLetter || $0 == "'" || $0 == "-" }) else {
                throw ToolError.badInput(path, "unexpected name \"\(word)\"",
                                         fix: "the file must be a census list: a name, then frequency columns")
            }
            names.append(word.prefix(1).uppercased() + word.dropFirst().lowercased())
        }
        guard !names.isEmpty else {
            throw ToolError.badInput(path, "no names in the file", fix: "run `make data` again")
        }
        return names
    }
}
