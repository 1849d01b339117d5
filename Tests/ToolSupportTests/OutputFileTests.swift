import Foundation
import Testing
@testable import ToolSupport

@Suite struct OutputFileTests {
    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("birdie-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func entries(_ url: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }

    @Test func commitRenamesIntoPlace() throws {
        let dir = try folder()
        let path = dir.appendingPathComponent("out.bin").path
        let out = try OutputFile(path)
        try out.write(Data("hello".utf8))
        #expect(!FileManager.default.fileExists(atPath: path), "nothing at the destination before commit")
        #expect(try entries(dir).count == 1)
        try out.commit()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "hello")
        #expect(try entries(dir) == ["out.bin"])
    }

    @Test func discardLeavesNothingAndKeepsAnOldFile() throws {
        let dir = try folder()
        let path = dir.appendingPathComponent("out.bin").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        let out = try OutputFile(path)
        try out.write(Data("half".utf8))
        out.discard()
        #expect(try entries(dir) == ["out.bin"])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
    }

    @Test func manyOpenFilesAreTrackedAndReleased() throws {
        let dir = try folder()
        // More than the cleanup table holds at once would be a leak; open and close many in turn.
        for i in 0..<200 {
            let out = try OutputFile(dir.appendingPathComponent("f\(i % 3)").path)
            try out.write(Data([UInt8(i % 256)]))
            if i % 2 == 0 { try out.commit() } else { out.discard() }
        }
        #expect(try entries(dir) == ["f0", "f1", "f2"])
    }

    @Test func staleTemporariesOfDeadProcessesAreRemovedLiveOnesKept() throws {
        let dir = try folder()
        // pid_max on Linux is at most 2^22: this pid cannot be running. Our own parent is.
        let dead = dir.appendingPathComponent(".out.bin.tmp-99999999").path, live = dir.appendingPathComponent(".out.bin.tmp-\(getppid())").path
        #expect(FileManager.default.createFile(atPath: dead, contents: Data([1])) && FileManager.default.createFile(atPath: live, contents: Data([2])))
        try OutputFile.write(Data([3]), to: dir.appendingPathComponent("out.bin").path)
        #expect(!FileManager.default.fileExists(atPath: dead) && FileManager.default.fileExists(atPath: live))
    }

    @Test func aMissingFolderIsCreatedAnImpossibleOneIsAClearError() throws {
        let dir = try folder()
        let out = try OutputFile(dir.appendingPathComponent("new/deeper/x.bin").path)
        try out.commit()
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("new/deeper/x.bin").path))
        // Under a regular file no folder can be made.
        #expect(FileManager.default.createFile(atPath: dir.appendingPathComponent("plain").path, contents: Data()))
        #expect(throws: ToolError.self) { try OutputFile(dir.appendingPathComponent("plain/x.bin").path) }
        // A folder is not an output file: a usage error, before any work.
        let error = try #require(throws: ToolError.self) { try OutputFile.prepare(dir.path) }
        #expect(error.code == .usage)
    }
}

@Suite struct MessageTests {
    @Test func badInputNamesFileProblemAndFix() {
        let e = ToolError.badInput("a.tok", "wrong magic", fix: "pass a token-document stream")
        #expect(e.code == .dataError && e.code.rawValue == 65)
        #expect(e.message == "a.tok: wrong magic; pass a token-document stream")
    }

    @Test func humanNumbersAndDurations() {
        #expect(Progress.human(950) == "950")
        #expect(Progress.human(12_345) == "12.3k")
        #expect(Progress.human(2_500_000) == "2.50M")
        #expect(Progress.duration(5) == "5.0s")
        #expect(Progress.duration(125) == "2m05s")
        #expect(Progress.duration(7260) == "2h01m")
        #expect(Progress.duration(.infinity) == "?")
    }

    @Test func peakMemoryIsReported() {
        #expect(peakMemoryMB() > 1)
    }
}
