import Foundation
@testable import Tasks

/// Small generated inputs: tests never read data/.
enum Fixtures {
    static let firstNames = ["Mary", "Patricia", "Linda", "Barbara", "Elizabeth", "James", "John", "Robert",
                             "Michael", "William", "David", "Richard"]
    static let lastNames = ["Smith", "Johnson", "Williams", "Jones", "Brown", "Davis", "Miller", "Wilson",
                            "Moore", "Taylor", "Anderson", "Thomas", "Jackson", "White", "Harris"]
    static var names: CensusNames { CensusNames(first: firstNames, last: lastNames) }

    /// A fresh temporary folder.
    static func folder() throws -> String {
        let path = NSTemporaryDirectory() + "tasks-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Census-format files ("NAME  freq cum rank") in a new folder.
    static func censusFolder() throws -> String {
        let dir = try folder()
        func write(_ names: [String], _ file: String) throws {
            let lines = names.enumerated().map { "\($0.element.uppercased().padding(toLength: 15, withPad: " ", startingAt: 0))0.100  0.100 \($0.offset + 1)" }
            try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/" + file, atomically: true, encoding: .utf8)
        }
        try write(Array(firstNames.prefix(6)), "dist.female.first")
        try write(Array(firstNames.suffix(7)), "dist.male.first")  // "Elizabeth" is in both
        try write(lastNames, "dist.all.last")
        return dir
    }

    /// Documents of distinctive paragraphs: document d, paragraph p says which it is, in words of
    /// varied length so distractors of similar length exist.
    static func documents(count: Int, paragraphs: Int, tag: String, source: String = "books") -> [CorpusDocument] {
        let fillers = ["quietly", "under the old bridge", "while the river kept its slow and patient course",
                       "and nobody", "as the lamps were lit along the harbour wall one by one"]
        return (0..<count).map { d in
            let text = (0..<paragraphs).map { p in
                "The \(tag) story \(d) entry \(p) happened \(fillers[(d + p) % fillers.count])."
            }.joined(separator: "\n\n")
            return CorpusDocument(text: text, source: "\(source)/\(tag)-\(d).txt", part: 0)
        }
    }
}
