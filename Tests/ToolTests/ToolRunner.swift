import Foundation
import Testing

/// What every tool test needs: the built binaries ($BIN, which the Makefile sets for each build
/// folder, else .build/release; relative to the repository, found from this file's path), a way to
/// run one and capture what it did, and scratch folders.
enum ToolRunner {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let binaries = URL(fileURLWithPath: ProcessInfo.processInfo.environment["BIN"] ?? ".build/release",
                              relativeTo: repository).absoluteURL

    struct Run {
        var status: Int32
        var stdout: Data
        var stderr: String
        var out: String { String(decoding: stdout, as: UTF8.self) }
    }

    enum Input { case none, data(Data), file(String) }

    /// Runs `tool` (a binary in `binaries`, or an absolute path) in `folder`. stdout and stderr
    /// go through temporary files (no pipe deadlocks on big outputs); stdout goes to `stdoutFile`
    /// instead when given (then `Run.stdout` is empty). `killAfter` sends SIGKILL after that many
    /// seconds (no handler runs; children of Process also inherit a blocked SIGTERM).
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], in folder: String? = nil, stdin: Input = .none,
                    stdoutFile: String? = nil, environment: [String: String]? = nil,
                    killAfter: TimeInterval? = nil) throws -> Run {
        let process = Process()
        process.executableURL = tool.hasPrefix("/") ? URL(fileURLWithPath: tool) : binaries.appendingPathComponent(tool)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        if let environment { process.environment = environment }
        let scratch = NSTemporaryDirectory() + "tool-run-\(UUID().uuidString)"
        let outPath = stdoutFile ?? scratch + ".stdout", errPath = scratch + ".stderr"
        defer {
            for path in [scratch + ".stdout", errPath, scratch + ".stdin"] { try? FileManager.default.removeItem(atPath: path) }
        }
        for path in [outPath, errPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        switch stdin {
        case .none: process.standardInput = FileHandle.nullDevice
        case .data(let data):
            _ = FileManager.default.createFile(atPath: scratch + ".stdin", contents: data)
            process.standardInput = FileHandle(forReadingAtPath: scratch + ".stdin")
        case .file(let path): process.standardInput = FileHandle(forReadingAtPath: path)
        }
        try process.run()
        if let killAfter {
            Thread.sleep(forTimeInterval: killAfter)
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        let stdout = stdoutFile == nil ? (FileManager.default.contents(atPath: outPath) ?? Data()) : Data()
        let stderr = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        return Run(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// Runs `tool` in a new folder and expects a usage error (64) before any work: one stderr line,
    /// `TOOL: error: ...`, holding each of `names` (the flag, its bound).
    static func expectUsageErrorAtStart(_ tool: String, _ arguments: [String], naming names: [String]) throws {
        let started = Date()
        let r = try run(tool, arguments, in: try temporaryFolder("usage"))
        #expect(r.status == 64, "\(tool) \(arguments): \(r.status) \(r.stderr)")
        let errors = r.stderr.split(separator: "\n").filter { $0.contains("error") }
        #expect(errors.count == 1 && errors[0].hasPrefix("\(tool): error: ") && names.allSatisfy(errors[0].contains),
                "\(tool) \(arguments): \(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 10, "refused before any work")
    }

    /// The configuration names of a built-in grid, read from its file, so that counts follow the data.
    static func gridNames(_ grid: String) throws -> [String] {
        let url = repository.appendingPathComponent("Libraries/Objectives/Resources/grids/\(grid).json")
        let file = try JSONSerialization.jsonObject(with: try Data(contentsOf: url)) as? [String: Any]
        return (file?["configurations"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    /// A new empty folder under the temporary directory, named `prefix-UUID`.
    static func temporaryFolder(_ prefix: String) throws -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The names in `folder`, sorted (empty when it cannot be read).
    static func files(_ folder: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder).sorted()) ?? []
    }
}
