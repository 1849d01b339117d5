import Foundation
import Testing
import Randomness

/// Runs .build/release/train in `folder`.
private func train(_ arguments: [String], in folder: String, killAfter: TimeInterval? = nil) throws -> ToolRunner.Run {
    try ToolRunner.run("train", arguments, in: folder, killAfter: killAfter)
}

private func scratchFolder() -> String { try! ToolRunner.temporaryFolder("birdie-train") }

private let tiny = ["--preset", "tiny", "--task", "copying", "--batch", "2", "--length", "48", "--eval-batches", "1", "-q"]

@Suite struct TrainToolTests {
    @Test func unknownModelIsAUsageError() throws {
        let r = try train(["--model", "lstm", "--task", "copying"], in: scratchFolder())
        #expect(r.status == 64)
        #expect(r.stderr.contains("lstm"))
    }

    @Test func printConfigShowsShapesAndCount() throws {
        let r = try train(["--model", "hawk", "--preset", "tiny", "--vocab-size", "300", "--print-config"], in: scratchFolder())
        #expect(r.status == 0)
        #expect(r.out.contains("layers.0.mixer.rg_lru.lambda\t[32]"))
        let total = r.out.split(separator: "\n").last.map(String.init) ?? ""
        let tensors = r.out.split(separator: "\n").dropFirst().dropLast().compactMap { Int($0.split(separator: "\t")[2]) }
        #expect(total == "parameters\t\(tensors.reduce(0, +))")
    }

    /// --precision bf16 trains on any CPU (a loss close to fp32's, other bytes), is deterministic,
    /// is recorded in the checkpoint and is part of the run's defining flags (resuming it in fp32 is
    /// refused naming the flag), and the profile reports the bf16 ceiling.
    @Test func bf16ProductsTrainDeterministicallyAndAreARunFlag() throws {
        let dir = scratchFolder()
        let run = ["--model", "gated-ssm", "--steps", "4", "--seed", "9"] + tiny
        let fp32 = try train(run + ["-o", "fp32.ckpt", "--precision", "fp32"], in: dir)
        let bf16 = try train(run + ["-o", "bf16.ckpt", "--precision", "bf16", "--profile"], in: dir)
        let again = try train(run + ["-o", "bf16-again.ckpt", "--precision", "bf16"], in: dir)
        #expect(fp32.status == 0 && bf16.status == 0 && again.status == 0, "\(bf16.stderr)")
        let file = { (name: String) in FileManager.default.contents(atPath: dir + "/" + name) }
        #expect(file("bf16.ckpt") != nil && file("bf16.ckpt") == file("bf16-again.ckpt"))
        #expect(file("bf16.ckpt") != file("fp32.ckpt"))
        #expect(String(decoding: file("bf16.ckpt") ?? Data(), as: UTF8.self).contains(#""birdie.precision":"bf16""#))
        #expect(String(decoding: file("fp32.ckpt") ?? Data(), as: UTF8.self).contains(#""birdie.precision":"fp32""#))
        #expect(bf16.stderr.contains("ceiling at the model's shapes: fp32") && bf16.stderr.contains("% of the bf16 ceiling"), "\(bf16.stderr)")
        let resumed = try train(run.map { $0 == "4" ? "6" : $0 } + ["--resume", "bf16.ckpt", "-o", "bf16.ckpt", "--precision", "fp32"], in: dir)
        #expect(resumed.status == 64 && resumed.stderr.contains("--precision"), "\(resumed.stderr)")
    }

    /// --precision auto (the default) says on stderr what it chose and why, trains what it chose (the
    /// same bytes as naming it), and chooses as the Makefile's PRECISION=auto does (one rule: bf16
    /// exactly where the CPU has AVX512-BF16).
    @Test func autoPrecisionIsPrintedAndMatchesTheMakefile() throws {
        let dir = scratchFolder()
        let run = ["--model", "hawk", "--steps", "2", "--seed", "3"] + tiny.filter { $0 != "-q" }
        let auto = try train(run + ["-o", "auto.ckpt"], in: dir)
        #expect(auto.status == 0, "\(auto.stderr)")
        let line = auto.stderr.split(separator: "\n").first { $0.hasPrefix("train: precision auto: ") }
        let chosen = try #require(line.map { String($0.dropFirst("train: precision auto: ".count).prefix(4)) }, "\(auto.stderr)")
        let named = try train(run + ["-o", "named.ckpt", "--precision", chosen], in: dir)
        let file = { (name: String) in FileManager.default.contents(atPath: dir + "/" + name) }
        #expect(named.status == 0 && file("auto.ckpt") != nil && file("auto.ckpt") == file("named.ckpt"))
        let make = try ToolRunner.run("/usr/bin/make", ["-s", "--no-print-directory", "print-precision", "PRECISION=auto"],
                                      in: ToolRunner.repository.path)
        #expect(make.out.trimmingCharacters(in: .whitespacesAndNewlines) == chosen, "make says \(make.out)\(make.stderr), train \(chosen)")
        let cpuHasBF16 = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").contains(" avx512_bf16")
        #expect(chosen == (cpuHasBF16 ? "bf16" : "fp32"))
    }

    /// --profile reports every part of the step and the measured sgemm ceiling, and changes nothing
    /// the run computes.
    @Test func profileReportsThePartsAndTheCeilingWithoutChangingTheRun() throws {
        let dir = scratchFolder()
        let run = ["--model", "transformer", "--steps", "3", "--seed", "4", "--precision", "fp32"] + tiny
        let plain = try train(run + ["-o", "plain.ckpt"], in: dir)
        let profiled = try train(run + ["-o", "profiled.ckpt", "--profile"], in: dir)
        #expect(plain.status == 0 && profiled.status == 0, "\(profiled.stderr)")
        #expect(profiled.stderr.contains("train: profile of 3 steps"))
        for part in ["data", "matrix products", "attention", "scans", "loss", "AdamW", "evaluation", "checkpoints"] {
            #expect(profiled.stderr.contains(part), "no \(part) in the profile")
        }
        #expect(profiled.stderr.contains("ceiling at the model's shapes: fp32") && profiled.stderr.contains("% of the fp32 ceiling"))
        #expect(FileManager.default.contents(atPath: dir + "/plain.ckpt") == FileManager.default.contents(atPath: dir + "/profiled.ckpt"))
    }

    @Test func trainsWritesMetricsAndResumesBitwise() throws {
        let dir = scratchFolder()
        let straight = try train(tiny + ["--steps", "8", "--eval-every", "4", "-o", "straight.ckpt", "--metrics", "m.tsv"], in: dir)
        #expect(straight.status == 0, "\(straight.stderr)")
        let metrics = try String(contentsOfFile: dir + "/m.tsv", encoding: .utf8).split(separator: "\n")
        #expect(metrics.first == "step\ttokens\tloss\teval_loss\tlr\tgrad_norm\ttokens_per_s\teval_token_acc\teval_sample_acc")
        #expect(metrics.count == 9)
        // "Killed" after 4 steps (a checkpoint is written every 2), then resumed.
        let killed = try train(tiny + ["--steps", "8", "--eval-every", "4", "--checkpoint-every", "2", "-o", "resumed.ckpt",
                                       "--stop-after", "3"], in: dir)
        #expect(killed.status == 0, "\(killed.stderr)")
        let resumed = try train(tiny + ["--steps", "8", "--eval-every", "4", "--resume", "resumed.ckpt"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let a = FileManager.default.contents(atPath: dir + "/straight.ckpt"), b = FileManager.default.contents(atPath: dir + "/resumed.ckpt")
        #expect(a != nil && a == b, "resumed weights differ from the uninterrupted run")
        #expect(FileManager.default.contents(atPath: dir + "/straight.ckpt.state") == FileManager.default.contents(atPath: dir + "/resumed.ckpt.state"))
    }

    @Test func corruptCheckpointIsBadInput() throws {
        let dir = scratchFolder()
        #expect(try train(tiny + ["--steps", "2", "-o", "a.ckpt"], in: dir).status == 0)
        let data = FileManager.default.contents(atPath: dir + "/a.ckpt.state")!
        FileManager.default.createFile(atPath: dir + "/cut.ckpt", contents: FileManager.default.contents(atPath: dir + "/a.ckpt"))
        FileManager.default.createFile(atPath: dir + "/cut.ckpt.state", contents: data.prefix(data.count / 2))
        let r = try train(tiny + ["--steps", "4", "--resume", "cut.ckpt"], in: dir)
        #expect(r.status == 65)
        #expect(r.stderr.contains("cut.ckpt"))
    }

    /// Resuming on other data (here another vocabulary) would train a different run: refused up front.
    @Test func resumeOnOtherDataIsRefused() throws {
        let dir = scratchFolder()
        #expect(try train(tiny + ["--steps", "1", "--vocab-size", "180", "-o", "small.ckpt"], in: dir).status == 0)
        let r = try train(["--task", "random-tokens", "--vocab-size", "512", "--steps", "2", "--batch", "2", "--length", "48",
                           "--resume", "small.ckpt", "-q"], in: dir)
        #expect(r.status == 64)
        #expect(r.stderr.contains("--vocab-size 512 (the run: 180)") && r.stderr.contains("--task random-tokens (the run: copying)"))
    }

    /// A run killed while checkpointing every step leaves either no checkpoint or a complete one
    /// that resumes; never a partial file under the checkpoint's name.
    @Test func killedRunLeavesOnlyCompleteCheckpoints() throws {
        let dir = scratchFolder()
        let r = try train(tiny + ["--steps", "100000", "--checkpoint-every", "1", "-o", "k.ckpt"], in: dir, killAfter: 2)
        #expect(r.status != 0)
        if FileManager.default.fileExists(atPath: dir + "/k.ckpt") {
            let resumed = try train(tiny + ["--steps", "100000", "--resume", "k.ckpt", "--stop-after", "1"], in: dir)
            #expect(resumed.status == 0, "\(resumed.stderr)")
        }
    }

    /// The static pipeline: tokenize, corrupt, pack, then train on the packed file; a file whose
    /// row length or vocabulary disagrees with the run or the model is bad input.
    @Test func trainsOnPackedRowsAndRefusesMismatches() throws {
        let dir = scratchFolder()
        let words = ["alpha", "beta", "gamma", "delta", "copy", "the", "of", "phone", "book", "state", "space"]
        var rng = SplitMix64(seed: 3)
        let text = (0..<120).map { _ in
            "{\"text\": \"" + (0..<60).map { _ in words[Int(rng.next() % UInt64(words.count))] }.joined(separator: " ") + "\"}"
        }.joined(separator: "\n") + "\n"
        FileManager.default.createFile(atPath: dir + "/c.jsonl", contents: Data(text.utf8))
        #expect(try ToolRunner.run("tokenize", ["train", "--vocab-size", "440", "-o", "tok.model", "c.jsonl"], in: dir).status == 0)
        let enc = try ToolRunner.run("tokenize", ["encode", "-m", "tok.model", "-o", "docs.tok", "c.jsonl"], in: dir)
        #expect(enc.status == 0, "\(enc.stderr)")
        #expect(try ToolRunner.run("corrupt", ["--mixture", "ul2", "--length", "64", "-o", "s.samples", "docs.tok"], in: dir).status == 0)
        let packed = try ToolRunner.run("pack", ["--length", "64", "-o", "rows.pack", "s.samples"], in: dir)
        #expect(packed.status == 0, "\(packed.stderr)")
        let ok = try train(["--preset", "tiny", "--data", "rows.pack", "--steps", "3", "--batch", "2", "-o", "m.ckpt", "-q"], in: dir)
        #expect(ok.status == 0, "\(ok.stderr)")
        let wrongLength = try train(["--preset", "tiny", "--data", "rows.pack", "--length", "32", "--steps", "1", "-q"], in: dir)
        #expect(wrongLength.status == 65 && wrongLength.stderr.contains("rows.pack"))
        let wrongVocab = try train(["--preset", "tiny", "--data", "rows.pack", "--vocab-size", "600", "--steps", "1", "-q"], in: dir)
        #expect(wrongVocab.status == 65 && wrongVocab.stderr.contains("vocabulary"))
    }
}
