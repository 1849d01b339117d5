import ArgumentParser
import Controller
import Foundation
import Randomness
import ToolSupport

/// A seeded, structure-aware mutation fuzzer over every reader the tools use (#13; `make fuzz`).
struct Fuzz: ParsableCommand, HasExamples {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Feed mutated files to every reader the tools use; each must end as exit 0 or 65, without a crash or a hang.",
        discussion: """
        Each execution takes a seed file (Pipelines/fuzz/seeds.sh makes them with the tools), applies one to three \
        mutations that know the file's structure (record-stream frames and payload values, safetensors and critic-state \
        headers, JSON value tokens, JSON lines) and recompute the checksums and lengths they touch, so that the checks \
        behind the checksums are reached; then reads it in-process exactly as the tool does. A thrown ToolError of \
        exit 65 (bad input) or a clean read counts as a pass; any other error is a failure (its input kept in \
        WORK/failures); a crash or an execution over --timeout stops the run with a message naming the kept input. \
        The same --seed gives the same inputs.
        """)
    static let examples = ["fuzz --executions 100000    # what make fuzz runs",
                           "fuzz --reader packed-rows --replay .build/fuzz/packed-rows/input"]

    @Option(help: "Folder of seed files (made by Pipelines/fuzz/seeds.sh).") var seeds = ".build/fuzz/seeds"
    @Option(help: "Working folder: the current input of each reader, and failures/.") var work = ".build/fuzz"
    @Option(help: "Executions per reader.") var executions = 100_000
    @Option(help: "Only this reader (repeatable); --list names them.") var reader: [String] = []
    @Option(help: "Random seed of the mutations.") var seed: UInt64 = 1
    @Option(help: "Seconds one execution may take before it counts as a hang.") var timeout = 10
    @Option(help: "Address-space limit in GiB, so that an allocation of a claimed size fails fast instead of swapping.") var memoryLimit = 6
    @Option(help: "Read this one file with the --reader given, print the outcome, and stop.") var replay: String?
    @Flag(help: "List the readers and their seed files.") var list = false
    @Option(help: "Write how often each refusal message came (numbers and paths elided) to this TSV: which checks the inputs reach.") var reasons: String?

    func validate() throws {
        try Limits.check(executions, "--executions", limit: 1 << 40)
        try Limits.check(timeout, "--timeout", limit: 86_400)
        try Limits.check(memoryLimit, "--memory-limit", limit: 1 << 20)   // GiB
        if let unknown = reader.first(where: { name in !allReaders.contains { $0.name == name } }) {
            throw ValidationError("no reader '\(unknown)'; the readers: \(allReaders.map(\.name).joined(separator: ", "))")
        }
        if replay != nil && reader.count != 1 { throw ValidationError("--replay needs exactly one --reader") }
    }

    func run() throws {
        if list {
            for r in allReaders { print("\(r.name)\t\(r.seeds.joined(separator: " "))") }
            return
        }
        var limit = rlimit(rlim_cur: rlim_t(memoryLimit) << 30, rlim_max: rlim_t(memoryLimit) << 30)
        setrlimit(Int32(RLIMIT_AS.rawValue), &limit)
        let chosen = reader.isEmpty ? allReaders : allReaders.filter { reader.contains($0.name) }
        if let replay { return try replayOne(chosen[0], replay) }
        var tallies: [Tally] = []
        for r in chosen { tallies.append(try fuzz(r)) }
        print("| reader | executions | exit 0 (read) | exit 65 (refused) | other | slowest execution |")
        print("|---|---|---|---|---|---|")
        for t in tallies {
            print("| \(t.name) | \(t.executions) | \(t.accepted) | \(t.refused) | \(t.failures) | \(String(format: "%.1f", t.slowest * 1000)) ms |")
        }
        if let reasons {
            let lines = tallies.flatMap { t in
                t.messages.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\(t.name)\t\($0.value)\t\($0.key)" }
            }
            try OutputFile.write(Data((["reader\tcount\tmessage"] + lines).joined(separator: "\n").utf8 + [0x0A]), to: reasons)
        }
        if tallies.contains(where: { $0.failures > 0 }) {
            throw ToolError(.failure, "some inputs ended in another error than bad input (kept in \(work)/failures)")
        }
    }

    struct Tally {
        var name: String
        var executions = 0, accepted = 0, refused = 0, failures = 0
        var slowest = 0.0
        var messages: [String: Int] = [:]
    }

    /// A refusal message with its file name and numbers elided, so that equal checks count together.
    static func reason(_ message: String, path: String) -> String {
        let text = message.replacingOccurrences(of: path, with: "FILE")
        return String(text.replacing(/-?[0-9][0-9.e+-]*/, with: "N").replacing(/\s/, with: " ").prefix(140))
    }

    private func fuzz(_ r: FuzzedReader) throws -> Tally {
        let seedFiles = try r.seeds.map { name -> [UInt8] in
            guard let data = FileManager.default.contents(atPath: seeds + "/" + name) else {
                throw ToolError.badInput(seeds + "/" + name, "seed file missing", fix: "make the seeds with Pipelines/fuzz/seeds.sh \(seeds)")
            }
            return [UInt8](data)
        }
        let folder = work + "/" + r.name
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + r.fileName
        // One stream of mutations per reader, so a reader's inputs do not depend on the others run.
        var mutator = Mutator(rng: SplitMix64(seed: seed ^ fnv1a(Data(r.name.utf8))))
        var tally = Tally(name: r.name)
        let progress = Progress("fuzz \(r.name)", total: Double(executions), unit: "executions", mode: .always)
        for i in 0..<executions {
            Watchdog.arm("fuzz: the harness itself, making \(r.name) input \(i + 1)", seconds: timeout)
            var bytes = mutator.pick(seedFiles)
            for _ in 0...mutator.below(3) { r.mutate(&mutator, &bytes) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            Watchdog.arm("fuzz: \(r.name) execution \(i + 1) (seed \(seed)): the input is kept in \(path); replay: fuzz --reader \(r.name) --replay \(path)", seconds: timeout)
            let start = DispatchTime.now().uptimeNanoseconds
            let outcome = Self.outcome { try r.read(path, seeds) }
            Watchdog.disarm()
            tally.slowest = max(tally.slowest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            tally.executions += 1
            switch outcome {
            case .read: tally.accepted += 1
            case .refused(let message):
                tally.refused += 1
                if reasons != nil { tally.messages[Self.reason(message, path: path), default: 0] += 1 }
            case .failed(let what):
                tally.failures += 1
                let kept = work + "/failures/\(r.name)-\(i + 1)"
                try FileManager.default.createDirectory(atPath: work + "/failures", withIntermediateDirectories: true)
                try Data(bytes).write(to: URL(fileURLWithPath: kept))
                if tally.failures <= 5 { printError("fuzz: \(r.name) execution \(i + 1): \(what) (input kept in \(kept))") }
            }
            progress.update(Double(i + 1))
        }
        progress.finish("\(tally.refused) refused, \(tally.accepted) read, \(tally.failures) other")
        return tally
    }

    private func replayOne(_ r: FuzzedReader, _ file: String) throws {
        let folder = work + "/replay"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + r.fileName
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ToolError.badInput(file, "cannot read", fix: "check the path")
        }
        try data.write(to: URL(fileURLWithPath: path))
        switch Self.outcome({ try r.read(path, seeds) }) {
        case .read: print("\(r.name): read without error (exit 0)")
        case .refused(let message): print("\(r.name): refused as bad input (exit 65): \(message)")
        case .failed(let what): throw ToolError(.failure, "\(r.name): \(what)")
        }
    }

    enum Outcome { case read, refused(String), failed(String) }

    /// What the tool would do with the error: exit 65 for bad input is a pass, anything else is not.
    static func outcome(_ body: () throws -> Void) -> Outcome {
        do { try body(); return .read }
        catch let e as ToolError where e.code == .dataError { return .refused(e.message) }
        catch let e as ToolError { return .failed("exit \(e.code.rawValue): \(e.message)") }
        catch { return .failed("exit 1 (not a ToolError): \(error)") }
    }
}

/// Crash and hang reports. The handlers may only do async-signal-safe work: they write a message
/// prepared before each execution, then die of the same signal (a crash) or exit 124 (a hang).
enum Watchdog {
    nonisolated(unsafe) static var message = UnsafeMutablePointer<CChar>.allocate(capacity: 4096)
    nonisolated(unsafe) static var length = 0
    nonisolated(unsafe) static var installed = false

    static func arm(_ text: String, seconds: Int) {
        if !installed { install() }
        let bytes = Array(text.utf8.prefix(4000))
        bytes.withUnsafeBufferPointer { UnsafeMutableRawPointer(message).copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        length = bytes.count
        alarm(UInt32(seconds))
    }

    static func disarm() { alarm(0) }

    private static func install() {
        installed = true
        signal(SIGALRM) { _ in
            Watchdog.say(": HANG (over the time limit)\n")
            _exit(124)
        }
        for sig in [SIGABRT, SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE] {
            signal(sig) { s in
                Watchdog.say(": CRASH (signal)\n")
                signal(s, SIG_DFL)
                raise(s)
            }
        }
    }

    private static func say(_ suffix: StaticString) {
        _ = write(2, message, length)
        _ = write(2, suffix.utf8Start, suffix.utf8CodeUnitCount)
    }
}
