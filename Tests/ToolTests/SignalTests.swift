import Foundation
import Testing

/// A tool stopped by a signal while writing, or crashing (abort, a Swift trap), leaves neither its
/// output nor a temporary file.
@Suite struct SignalTests {
    @Test(arguments: [SIGTERM, SIGABRT, SIGILL])
    func stoppedToolLeavesNothingHalfWritten(signal: Int32) throws {
        let dir = try ToolRunner.temporaryFolder("signal-\(signal)")
        let text = dir + "/text.txt"
        try String(repeating: "the quick brown fox jumps over the lazy dog\n\n", count: 50)
            .write(toFile: text, atomically: true, encoding: .utf8)
        let trained = try ToolRunner.run("tokenize", ["train", "--vocab-size", "450", "-q", "-o", "tok.model", "text.txt"], in: dir)
        #expect(trained.status == 0, "\(trained.stderr)")

        // encode reads stdin from a pipe that stays open, so it is mid-stream when the signal comes.
        let input = Pipe()
        let process = Process()
        process.executableURL = ToolRunner.binaries.appendingPathComponent("tokenize")
        process.arguments = ["encode", "-m", "tok.model", "--input-format", "txt", "-q", "-o", "out.tok", "-"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("some text that is being encoded\n".utf8))
        // Wait until the tool has opened its temporary output.
        let deadline = Date().addingTimeInterval(20)
        while ToolRunner.files(dir).count < 3 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(ToolRunner.files(dir).count == 3, "the temporary output appears while the tool runs")

        kill(process.processIdentifier, signal)
        let stopBy = Date().addingTimeInterval(10)
        while process.isRunning && Date() < stopBy { Thread.sleep(forTimeInterval: 0.05) }
        let stopped = !process.isRunning
        if !stopped { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        #expect(stopped, "signal \(signal) stops the tool")
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == signal)
        // (A core dump, where the machine keeps them, is the system's, not a half-written output.)
        #expect(ToolRunner.files(dir).filter { !$0.hasPrefix("core") } == ["text.txt", "tok.model"])
        try? input.fileHandleForWriting.close()
    }
}
