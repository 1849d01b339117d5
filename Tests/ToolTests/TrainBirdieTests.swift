import Foundation
import Testing
import Randomness

/// Runs .build/release/TOOL in `folder`. Each tool picks its OpenBLAS kernels itself
/// (Engine.prepareProcess): test that path.
private func run(_ tool: String, _ arguments: [String], in folder: String, input: Data? = nil) throws -> ToolRunner.Run {
    try ToolRunner.run(tool, arguments, in: folder, stdin: input.map { .data($0) } ?? .none,
                       environment: ProcessInfo.processInfo.environment.filter { $0.key != "OPENBLAS_CORETYPE" })
}

private let gridFile = ToolRunner.repository.appendingPathComponent("Libraries/Objectives/Resources/grids/light.json").path

/// A small corpus: tokenizer trained and documents encoded in a scratch folder (shared by the tests).
private let corpusFolder: String = {
    let dir = try! ToolRunner.temporaryFolder("birdie-train-birdie")
    let words = ["alpha", "beta", "gamma", "delta", "copy", "the", "of", "phone", "book", "state", "space", "river", "stone"]
    var rng = SplitMix64(seed: 11)
    func next() -> UInt64 { rng.next() }
    let text = (0..<150).map { _ in
        "{\"text\": \"" + (0..<(120 + Int(next() % 200))).map { _ in words[Int(next() % UInt64(words.count))] }.joined(separator: " ") + "\"}"
    }.joined(separator: "\n") + "\n"
    FileManager.default.createFile(atPath: dir + "/c.jsonl", contents: Data(text.utf8))
    _ = try! run("tokenize", ["train", "--vocab-size", "440", "-o", "tok.model", "c.jsonl"], in: dir)
    _ = try! run("tokenize", ["encode", "-m", "tok.model", "-o", "docs.tok", "c.jsonl"], in: dir)
    return dir
}()

private func scratch() -> String { try! ToolRunner.temporaryFolder("birdie-train-birdie-run") }

/// The paper's controller, made small and fast (the same flags for `critic`).
private let criticSize = ["--critic-width", "16", "--critic-layers", "1", "--critic-training-steps", "5", "--candidates", "64"]
private let steps = 12
private func birdie(_ procedure: String = "birdie") -> [String] {
    ["--preset", "tiny", "--corpus", corpusFolder + "/docs.tok", "--procedure", procedure, "--steps", "\(steps)", "--batch", "2",
     "--length", "256", "--eval-every", "0", "--seed", "5", "-q"] + criticSize
}

private func lines(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
}

@Suite(.serialized) struct TrainBirdieToolTests {
    /// The log has one line per scheduled evaluation; the mixture moves away from the starting one;
    /// piping the log through `critic` with the same settings gives the same decisions.
    @Test func logRecordsDecisionsThatCriticReproduces() throws {
        let dir = scratch()
        let r = try run("train", birdie() + ["-o", "b.ckpt"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let log = try lines(dir + "/b.ckpt.controller.jsonl")
        #expect(log.count == 11)   // steps 1...11 for a 12-step run
        struct Line: Decodable { var step: Int; var phase: String; var mixture: [String: Double]; var action: [String: Double]; var losses: [String: Double] }
        let parsed = try log.map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        #expect(parsed.map(\.step) == Array(1...11))
        let configurations = try ToolRunner.gridNames("light").count
        #expect(parsed.allSatisfy { $0.losses.count == configurations && $0.losses.values.allSatisfy { $0.isFinite && $0 > 0 } })
        let critic = parsed.filter { $0.phase == "critic" }
        #expect(!critic.isEmpty && critic.contains { $0.mixture != $0.action }, "the controller should move the mixture")
        for (a, b) in zip(parsed, parsed.dropFirst()) { #expect(b.action == a.mixture, "the next evaluation reports the mixture trained with") }

        let replay = try run("critic", ["--configurations", gridFile, "--total-steps", "\(steps)", "--seed", "5", "--critic-width", "16",
                                        "--critic-layers", "1", "--critic-training-steps", "5", "--candidates", "64", "-q"],
                             in: dir, input: Data((log.joined(separator: "\n") + "\n").utf8))
        #expect(replay.status == 0, "\(replay.stderr)")
        let decisions = replay.out.split(separator: "\n").map(String.init)
        #expect(decisions.count == log.count)
        for (d, l) in zip(decisions, log) { #expect(l.hasPrefix(String(d.dropLast())), "critic decided otherwise at \(d.prefix(40))") }
    }

    /// Stopped at step 5 (checkpoints every 2 steps and at the stop) and resumed: weights, optimizer
    /// and controller state, and the log equal the uninterrupted run's, even when the stopped run
    /// had logged past its checkpoint.
    @Test func resumeEqualsUninterrupted() throws {
        let dir = scratch()
        #expect(try run("train", birdie() + ["-o", "straight.ckpt"], in: dir).status == 0)
        let stopped = try run("train", birdie() + ["-o", "resumed.ckpt", "--checkpoint-every", "2", "--stop-after", "5"], in: dir)
        #expect(stopped.status == 0, "\(stopped.stderr)")
        let straightLog = try lines(dir + "/straight.ckpt.controller.jsonl")
        // A killed run may have logged an evaluation after its last checkpoint.
        let handle = FileHandle(forWritingAtPath: dir + "/resumed.ckpt.controller.jsonl")!
        handle.seekToEndOfFile(); handle.write(Data((straightLog[7] + "\n").utf8)); try handle.close()
        let resumed = try run("train", birdie() + ["--resume", "resumed.ckpt"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        for suffix in ["", ".state", ".controller.jsonl"] {
            let a = FileManager.default.contents(atPath: dir + "/straight.ckpt" + suffix)
            #expect(a != nil && a == FileManager.default.contents(atPath: dir + "/resumed.ckpt" + suffix), "straight.ckpt\(suffix) differs")
        }
        // A run of another procedure is another run (and has no controller to resume).
        #expect(try run("train", birdie("bfr") + ["-o", "bfr.ckpt", "--steps", "1"], in: dir).status == 0)
        let wrong = try run("train", birdie() + ["--resume", "bfr.ckpt"], in: dir)
        #expect(wrong.status == 64 && wrong.stderr.contains("--procedure birdie (the run: bfr)"), "\(wrong.stderr)")
    }

    @Test func birdieCausalIsCausalAndBirdieBidirectional() throws {
        let dir = scratch()
        let causal = try run("train", birdie("birdie-causal") + ["--print-config"], in: dir)
        let bidirectional = try run("train", birdie() + ["--print-config"], in: dir)
        #expect(causal.status == 0 && bidirectional.status == 0, "\(causal.stderr)\(bidirectional.stderr)")
        #expect(causal.out.contains("\"bidirectional\":false") && bidirectional.out.contains("\"bidirectional\":true"))
    }
}
