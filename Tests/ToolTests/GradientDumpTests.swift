import Foundation
import Testing

// `train --dump-gradients` (hidden; the input of Pipelines/python/torch_reference.py, which
// `make test-torch-reference` compares with an independent PyTorch model).

/// The F32 tensors of a safetensors file, by name (docs/FORMATS.md).
private func safetensors(_ path: String) throws -> [String: [Float]] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let length = Int(data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
    let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
    var tensors: [String: [Float]] = [:]
    for case let (name, entry as [String: Any]) in header where name != "__metadata__" {
        let offsets = try #require(entry["data_offsets"] as? [Int])
        let bytes = data.subdata(in: (8 + length + offsets[0])..<(8 + length + offsets[1]))
        tensors[name] = bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
    return tensors
}

@Suite struct GradientDumpTests {
    /// The dump is a training step's loss and gradient: from the same initial weights on the same
    /// rows, `train --steps 1` reports the same loss and (pre-clip) gradient norm; every parameter
    /// of the checkpoint has its gradient under its own name.
    @Test func theDumpIsTheFirstTrainingStepsLossAndGradient() throws {
        let dir = try ToolRunner.temporaryFolder("gradient-dump")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var seed: UInt64 = 11
        func below(_ n: Int) -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int((seed >> 33) % UInt64(n)) }
        let words = ["the", "state", "reads", "a", "prefix", "in", "both", "directions", "then", "writes", "causally"]
        let text = (0..<200).map { _ in (0..<(5 + below(20))).map { _ in words[below(words.count)] }.joined(separator: " ") }
        try text.joined(separator: "\n\n").write(toFile: dir + "/text.txt", atomically: true, encoding: .utf8)
        let tokenizer = try ToolRunner.run("tokenize", ["train", "--vocab-size", "512", "-o", "tok.model", "text.txt"], in: dir)
        try #require(tokenizer.status == 0, "\(tokenizer.stderr)")
        // "vocabulary is N, not 512" when the text has fewer pairs
        let vocab = tokenizer.stderr.components(separatedBy: "vocabulary is ").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) } ?? 512
        for (tool, arguments) in [("tokenize", ["encode", "-m", "tok.model", "text.txt", "-o", "docs.tok", "-q"]),
                                  ("corrupt", ["--mixture", "ul2", "--length", "64", "docs.tok", "-o", "s.smpl", "-q"]),
                                  ("pack", ["s.smpl", "-o", "rows.pack", "-q"])] {
            let r = try ToolRunner.run(tool, arguments, in: dir)
            try #require(r.status == 0, "\(tool): \(r.stderr)")
        }
        let model = ["--model", "hawk", "--preset", "tiny", "--form", "bidirectional", "--seed", "5", "--precision", "fp32", "-q"]
        let initial = try ToolRunner.run("train", model + ["--init-only", "--vocab-size", String(vocab), "-o", "init.ckpt"], in: dir)
        try #require(initial.status == 0, "\(initial.stderr)")
        let dump = try ToolRunner.run("train", ["--dump-gradients", "g.safetensors", "--checkpoint", "init.ckpt", "--data", "rows.pack",
                                                "--batch", "3", "--precision", "fp32"], in: dir)
        try #require(dump.status == 0, "\(dump.stderr)")
        let step = try ToolRunner.run("train", model + ["--data", "rows.pack", "--batch", "3", "--steps", "1", "--eval-batches", "0",
                                                        "--metrics", "m.tsv", "-o", "one.ckpt"], in: dir)
        try #require(step.status == 0, "\(step.stderr)")
        let gradients = try safetensors(dir + "/g.safetensors")
        let weights = try safetensors(dir + "/init.ckpt")
        #expect(Set(gradients.keys) == Set(weights.keys).union(["loss"]))
        for (name, values) in weights { #expect(gradients[name]?.count == values.count, "\(name)") }
        let line = try String(contentsOfFile: dir + "/m.tsv", encoding: .utf8).split(separator: "\n")[1].split(separator: "\t")
        let loss = try #require(Double(line[2])), norm = try #require(Double(line[5]))
        let dumped = Double(try #require(gradients["loss"]?.first))
        #expect(abs(dumped - loss) < 1e-5, "dump \(dumped), train \(loss)")
        let dumpedNorm = gradients.filter { $0.key != "loss" }.values.joined().reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(abs(dumpedNorm - norm) <= 1e-4 * norm, "dump \(dumpedNorm), train \(norm)")

        // Refusals: one line, no output file. No checkpoint is a usage error (64); rows of another
        // vocabulary, or fewer rows than --batch, are bad input (65).
        let noCheckpoint = try ToolRunner.run("train", ["--dump-gradients", "none.safetensors", "--data", "rows.pack"], in: dir)
        #expect(noCheckpoint.status == 64 && noCheckpoint.stderr.contains("--checkpoint"), "\(noCheckpoint.stderr)")
        let otherVocabulary = try ToolRunner.run("train", model + ["--init-only", "--vocab-size", String(vocab + 8), "-o", "other.ckpt"], in: dir)
        try #require(otherVocabulary.status == 0, "\(otherVocabulary.stderr)")
        let mismatch = try ToolRunner.run("train", ["--dump-gradients", "none.safetensors", "--checkpoint", "other.ckpt", "--data", "rows.pack"], in: dir)
        #expect(mismatch.status == 65 && mismatch.stderr.contains("vocabulary of \(vocab) tokens but the model has \(vocab + 8)"), "\(mismatch.stderr)")
        let tooMany = try ToolRunner.run("train", ["--dump-gradients", "none.safetensors", "--checkpoint", "init.ckpt", "--data", "rows.pack",
                                                   "--batch", "60000"], in: dir)
        #expect(tooMany.status == 65 && tooMany.stderr.contains("rows.pack: holds"), "\(tooMany.stderr)")
        #expect(tooMany.stderr.split(separator: "\n").count == 1, "\(tooMany.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/none.safetensors"))
    }
}
