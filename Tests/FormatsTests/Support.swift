import Foundation
@testable import Formats
import ToolSupport

/// A fresh temporary folder per test.
func temporaryFolder() -> String {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("birdie-formats-\(UUID().uuidString)").path
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func readBytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path)!) }
func writeBytes(_ bytes: [UInt8], _ path: String) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

/// Runs `body` and returns the ToolError it throws (nil when it throws nothing).
func toolError(_ body: () throws -> Void) -> ToolError? {
    do { try body() } catch let e as ToolError { return e } catch { return ToolError(.failure, "\(error)") }
    return nil
}

/// Reads every document of a token-document file.
func readAll(_ path: String, vocabularySize: Int? = nil) throws -> [[Int32]] {
    let r = try TokenDocumentReader(path: path, vocabularySize: vocabularySize)
    var docs: [[Int32]] = []
    while let d = try r.next() { docs.append(d) }
    return docs
}

/// Writes documents to a token-document file.
func writeDocs(_ docs: [[Int32]], to path: String, vocabularySize: Int, compression: Compression = .none) throws {
    let w = try TokenDocumentWriter(path: path, vocabularySize: vocabularySize,
                                    provenance: Provenance(tool: "test", arguments: ["a", "b"], seed: 7),
                                    compression: compression)
    for d in docs { try w.append(d) }
    try w.finish(Closing(inputs: [InputChecksum(path: "x", bytes: 3, crc32c: 42)]))
}

/// Deterministic pseudo-random documents.
func sampleDocs(count: Int, vocabularySize: Int, seed: UInt64) -> [[Int32]] {
    var s = seed
    func next() -> UInt64 { s = s &* 6364136223846793005 &+ 1442695040888963407; return s >> 33 }
    return (0..<count).map { i in
        let n = i == 0 ? 0 : Int(next() % 3000)
        return (0..<n).map { _ in Int32(next() % UInt64(vocabularySize)) }
    }
}
