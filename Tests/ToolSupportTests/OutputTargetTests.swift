import Foundation
import Testing
@testable import ToolSupport

/// Outputs that are not regular files (#24): devices and FIFOs are written through, links are
/// followed, collisions are refused, failed writes are one-line errors. Devices are private nodes
/// made with mknod in a scratch folder (never the machine's /dev/null: a failing test must not
/// replace a device the machine uses); without the right to mknod those tests are skipped.
@Suite struct OutputTargetTests {
    private func folder() throws -> String {
        let path = NSTemporaryDirectory() + "birdie-target-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A private character device (major 1: 3 is null, 7 is full), or nil without the right.
    private static func device(_ path: String, minor: Int32) -> String? {
        mknod(path, S_IFCHR | 0o666, dev_t(1 << 8 | minor)  /* Linux makedev(1, minor) for minor < 256 */) == 0 ? path : nil
    }
    private static let canMakeDevices: Bool = {
        let probe = NSTemporaryDirectory() + "birdie-mknod-probe-\(getpid())"
        defer { unlink(probe) }
        return device(probe, minor: 3) != nil
    }()

    private func kind(_ path: String) -> mode_t {
        var s = stat()
        return lstat(path, &s) == 0 ? s.st_mode & S_IFMT : 0
    }

    @Test(.enabled(if: canMakeDevices, "needs the right to mknod (root)"))
    func aDeviceIsWrittenThroughAndStaysADevice() throws {
        let dir = try folder()
        let null = try #require(Self.device(dir + "/null", minor: 3))
        #expect(try OutputTarget.of(null) == .stream(null))
        try OutputFile.write(Data("x".utf8), to: null)
        #expect(kind(null) == S_IFCHR)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["null"], "no temporary file")
    }

    @Test(.enabled(if: canMakeDevices, "needs the right to mknod (root)"))
    func aFullDeviceIsOneLineNamingTheFileAndTheFix() throws {
        let dir = try folder()
        let full = try #require(Self.device(dir + "/full", minor: 7))
        let error = try #require(throws: ToolError.self) { try OutputFile.write(Data("x".utf8), to: full) }
        #expect(error.code == .failure)
        #expect(error.message == "\(full): write failed: No space left on device; check free space")
        let log = try AppendLog(full, startingWith: "")
        #expect(throws: ToolError.self) { try log.append("line") }
    }

    @Test func aFIFOIsWrittenThroughToItsReader() throws {
        let dir = try folder()
        let fifo = dir + "/f"
        #expect(mkfifo(fifo, 0o600) == 0)
        let cat = Process()
        cat.executableURL = URL(fileURLWithPath: "/bin/sh")
        cat.arguments = ["-c", "cat f > got"]
        cat.currentDirectoryURL = URL(fileURLWithPath: dir)
        try cat.run()
        try OutputFile.write(Data("through".utf8), to: fifo)
        cat.waitUntilExit()
        let received = try Data(contentsOf: URL(fileURLWithPath: dir + "/got"))
        #expect(String(decoding: received, as: UTF8.self) == "through")
        #expect(kind(fifo) == S_IFIFO)
    }

    @Test func aLinkIsFollowedAndItsTargetReplacedInTheTargetsFolder() throws {
        let dir = try folder()
        try FileManager.default.createDirectory(atPath: dir + "/elsewhere", withIntermediateDirectories: true)
        try Data("old".utf8).write(to: URL(fileURLWithPath: dir + "/elsewhere/real.txt"))
        #expect(symlink("elsewhere/real.txt", dir + "/link") == 0)
        try OutputFile.write(Data("new".utf8), to: dir + "/link")
        #expect(kind(dir + "/link") == S_IFLNK)
        #expect(try String(contentsOfFile: dir + "/elsewhere/real.txt", encoding: .utf8) == "new")
        // A dangling link creates its target.
        #expect(symlink("made.txt", dir + "/dangling") == 0)
        try OutputFile.write(Data("made".utf8), to: dir + "/dangling")
        #expect(try String(contentsOfFile: dir + "/made.txt", encoding: .utf8) == "made")
        #expect(symlink("loop", dir + "/loop") == 0)
        #expect(throws: ToolError.self) { try OutputTarget.of(dir + "/loop") }
    }

    @Test func outputsThatCollideAreRefusedBeforeAnyWork() throws {
        let dir = try folder()
        let input = dir + "/in.txt"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: input))
        #expect(symlink("in.txt", dir + "/alias") == 0)
        for (outputs, inputs) in [([dir + "/alias"], [input]),                        // an input, through a link
                                  ([dir + "/a.tsv", dir + "/./a.tsv"], []),            // two outputs, one new file
                                  ([input, dir + "/alias"], [])] as [([String?], [String?])] {
            let error = try #require(throws: ToolError.self) { try OutputFile.checkAtStart(outputs: outputs, inputs: inputs) }
            #expect(error.code == .usage, "\(outputs) \(inputs)")
        }
        #expect(try String(contentsOfFile: input, encoding: .utf8) == "keep")
        #expect(!FileManager.default.fileExists(atPath: dir + "/a.tsv"))
        // Distinct outputs, stdout twice and a missing input are fine.
        try OutputFile.checkAtStart(outputs: [dir + "/x", dir + "/y", "-", "-", nil], inputs: [dir + "/missing"])
    }

    @Test func emptyAndOverlongNamesAreUsageErrorsAtStart() throws {
        let dir = try folder()
        for path in ["", dir + "/" + String(repeating: "n", count: 250)] {
            let error = try #require(throws: ToolError.self) { try OutputFile.prepare(path) }
            #expect(error.code == .usage, "\(path.count)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "the probe left nothing")
    }
}
