import Foundation
import Testing
import Randomness

/// Data-parallel `train` under Open MPI (docs/CLUSTER.md): `mpirun -np 2` on this machine's cores
/// (--oversubscribe: 2 ranks may exceed the cores Open MPI counts; --allow-run-as-root: CI runs as
/// root). Skipped where Open MPI is not installed (`make deps` installs it).
private let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
private let launch = ["--oversubscribe", "--allow-run-as-root", "-np", "2"]

/// `train ARGS` on 2 ranks in `folder`.
private func train2(_ arguments: [String], in folder: String) throws -> ToolRunner.Run {
    try ToolRunner.run(mpirun!, launch + [ToolRunner.binaries.appendingPathComponent("train").path] + arguments, in: folder)
}

private func train1(_ arguments: [String], in folder: String) throws -> ToolRunner.Run {
    try ToolRunner.run("train", arguments, in: folder)
}

/// The loss column of a metrics TSV.
private func losses(_ path: String) throws -> [Double] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
        .map { Double($0.split(separator: "\t")[2])! }
}

private func same(_ a: String, _ b: String) -> Bool {
    let x = FileManager.default.contents(atPath: a)
    return x != nil && x == FileManager.default.contents(atPath: b)
}

/// A copying-task run small enough for seconds: --threads 1 on every rank and for N=1, so OpenBLAS
/// blocks the products alike (docs/ARCHITECTURE.md, determinism between thread counts).
private func copying(steps: Int) -> [String] {
    ["--model", "gated-ssm", "--preset", "tiny", "--d-model", "64", "--task", "copying", "--steps", "\(steps)", "--batch", "8",
     "--length", "128", "--eval-every", "10", "--eval-batches", "2", "--threads", "1", "--seed", "3", "-q"]
}

@Suite(.serialized, .enabled(if: mpirun != nil, "Open MPI's mpirun is not installed (make deps)"))
struct DataParallelTests {
    /// N=2 at global batch 8 gives N=1's losses to 1e-5 relative over 20 steps. The ranks see the
    /// same rows as one process; only the order of fp32 additions differs (each weight gradient is
    /// two half-batch sums added, times a share weight), a few ulps (~1e-7) per gradient element,
    /// which 20 AdamW steps keep near 1e-6 (measured: at most 2.3e-7, the TSV's own rounding). A
    /// wrong share, weight or batch moves the loss by 1e-3 or more within a few steps. Two N=2 runs
    /// give the same bytes.
    @Test func twoRanksGiveOneRanksLossesAndTheSameBytesTwice() throws {
        let dir = try ToolRunner.temporaryFolder("birdie-dp")
        let one = try train1(copying(steps: 20) + ["-o", "n1.ckpt", "--metrics", "n1.tsv"], in: dir)
        #expect(one.status == 0, "\(one.stderr)")
        for name in ["a", "b"] {
            let r = try train2(copying(steps: 20) + ["-o", "\(name).ckpt", "--metrics", "\(name).tsv"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let l1 = try losses(dir + "/n1.tsv"), l2 = try losses(dir + "/a.tsv")
        #expect(l1.count == 20 && l2.count == 20)
        let worst = zip(l1, l2).map { abs($0 - $1) / abs($0) }.max() ?? .infinity
        #expect(worst <= 1e-5, "N=1 vs N=2 losses differ by \(worst) relative: \(l1) vs \(l2)")
        #expect(same(dir + "/a.ckpt", dir + "/b.ckpt") && same(dir + "/a.ckpt.state", dir + "/b.ckpt.state"))
        #expect(try losses(dir + "/a.tsv") == (try losses(dir + "/b.tsv")))
        // --batch is the global batch: it must split over the ranks.
        let odd = try train2(copying(steps: 1) + ["--batch", "3"], in: dir)
        #expect(odd.status == 64 && odd.stderr.contains("--batch 3 does not split over 2 ranks"), "\(odd.stderr)")
    }

    /// kill -9 of one rank mid-run stops the job (mpirun exits non-zero, no rank left, no temporary
    /// file left); `--resume` on 2 ranks then gives the uninterrupted run's bytes.
    @Test func killingARankStopsTheJobAndResumeGivesTheUninterruptedBytes() throws {
        let dir = try ToolRunner.temporaryFolder("birdie-dp-kill")
        let steps = 80
        let flags = copying(steps: steps) + ["--checkpoint-every", "5", "--eval-every", "0"]
        #expect(try train2(flags + ["-o", "straight.ckpt"], in: dir).status == 0)

        let job = Process()
        job.executableURL = URL(fileURLWithPath: mpirun!)
        job.arguments = launch + [ToolRunner.binaries.appendingPathComponent("train").path] + flags + ["-o", "killed.ckpt", "--metrics", "killed.tsv"]
        job.currentDirectoryURL = URL(fileURLWithPath: dir)
        job.standardOutput = FileHandle.nullDevice
        job.standardError = FileHandle.nullDevice
        try job.run()
        // Wait for step 15 (checkpoints at 5, 10, ...), then kill rank 1.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, ((try? losses(dir + "/killed.tsv"))?.count ?? 0) < 15 { Thread.sleep(forTimeInterval: 0.05) }
        let ranks = children(of: job.processIdentifier)
        let rank1 = ranks.first { environment($0)["OMPI_COMM_WORLD_RANK"] == "1" }
        #expect(ranks.count == 2 && rank1 != nil, "ranks \(ranks)")
        if let rank1 { kill(rank1, SIGKILL) }
        let stopBy = Date().addingTimeInterval(60)
        while job.isRunning && Date() < stopBy { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!job.isRunning, "mpirun still running 60 s after a rank was killed")
        if job.isRunning { kill(job.processIdentifier, SIGKILL); return }
        job.waitUntilExit()
        #expect(job.terminationStatus != 0)
        #expect(ranks.allSatisfy { !alive($0) }, "a rank outlived the job")
        let done = try losses(dir + "/killed.tsv").count
        #expect(done < steps, "the run finished before the kill (\(done) steps)")
        #expect(ToolRunner.files(dir).allSatisfy { !$0.hasPrefix(".") && !$0.contains(".tmp") }, "\(ToolRunner.files(dir))")

        // Another rank count continues with a warning (the same batches, another summation order).
        for suffix in ["", ".state"] { try FileManager.default.copyItem(atPath: dir + "/killed.ckpt" + suffix, toPath: dir + "/other.ckpt" + suffix) }
        let other = try train1(flags + ["--resume", "other.ckpt", "--stop-after", "1"], in: dir)
        #expect(other.status == 0 && other.stderr.contains("the run started on 2 ranks, this one has 1"), "\(other.stderr)")

        let resumed = try train2(flags + ["--resume", "killed.ckpt"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(same(dir + "/straight.ckpt", dir + "/killed.ckpt") && same(dir + "/straight.ckpt.state", dir + "/killed.ckpt.state"))
    }

    /// A Birdie run at N=2 (configurations' losses split over the ranks, the controller on rank 0,
    /// the mixture broadcast) logs the same evaluations as at N=1: the same steps and phases, losses
    /// within 1e-5 relative (the tolerance above), mixtures within 1e-6 (measured: equal; the critic
    /// sees losses that differ by ~1e-8).
    @Test func birdieAtTwoRanksDecidesAsAtOne() throws {
        let dir = corpusFolder
        let flags = ["--preset", "tiny", "--corpus", "docs.tok", "--procedure", "birdie", "--steps", "12", "--batch", "2", "--length", "256",
                     "--eval-every", "0", "--seed", "5", "-q", "--threads", "1", "--critic-width", "16", "--critic-layers", "1",
                     "--critic-training-steps", "5", "--candidates", "64"]
        #expect(try train1(flags + ["-o", "b1.ckpt"], in: dir).status == 0)
        let two = try train2(flags + ["-o", "b2.ckpt"], in: dir)
        #expect(two.status == 0, "\(two.stderr)")
        struct Line: Decodable { var step: Int; var phase: String; var mixture: [String: Double]; var losses: [String: Double] }
        func log(_ name: String) throws -> [Line] {
            try String(contentsOfFile: dir + "/\(name).ckpt.controller.jsonl", encoding: .utf8).split(separator: "\n")
                .map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        }
        let a = try log("b1"), b = try log("b2")
        #expect(a.count == 11 && b.count == 11)
        for (x, y) in zip(a, b) {
            #expect(x.step == y.step && x.phase == y.phase && x.mixture.keys == y.mixture.keys)
            for (k, p) in x.mixture { #expect(abs(p - y.mixture[k]!) <= 1e-6, "step \(x.step): \(k) \(p) vs \(y.mixture[k]!)") }
            for (k, l) in x.losses { #expect(abs(l - y.losses[k]!) <= 1e-5 * l, "step \(x.step): loss of \(k) \(l) vs \(y.losses[k]!)") }
        }
    }

    /// `finetune` shares the trainer: at N=2 the same losses as at N=1 (the tolerance above), and
    /// an odd --batch refused.
    @Test func finetuneAtTwoRanksGivesOneRanksLosses() throws {
        let dir = corpusFolder
        var rng = SplitMix64(seed: 2)
        let words = ["alpha", "beta", "gamma", "delta", "river", "stone"]
        func phrase(_ n: Int) -> String { (0..<n).map { _ in words[Int(rng.next() % UInt64(words.count))] }.joined(separator: " ") }
        let pairs = (0..<120).map { _ in "{\"prompt\": \"\(phrase(8))\", \"target\": \"\(phrase(3))\"}" }.joined(separator: "\n") + "\n"
        FileManager.default.createFile(atPath: dir + "/pairs.jsonl", contents: Data(pairs.utf8))
        #expect(try train1(["--init-only", "--vocab-size", "440", "--model", "hawk", "--preset", "tiny", "-o", "init.ckpt", "-q"], in: dir).status == 0)
        let flags = ["--checkpoint", "init.ckpt", "-m", "tok.model", "pairs.jsonl", "--length", "64", "--steps", "20", "--batch", "8",
                     "--eval-every", "10", "--threads", "1", "-q"]
        #expect(try ToolRunner.run("finetune", flags + ["-o", "f1.ckpt", "--metrics", "f1.tsv"], in: dir).status == 0)
        let finetune = ToolRunner.binaries.appendingPathComponent("finetune").path
        let two = try ToolRunner.run(mpirun!, launch + [finetune] + flags + ["-o", "f2.ckpt", "--metrics", "f2.tsv"], in: dir)
        #expect(two.status == 0, "\(two.stderr)")
        let l1 = try losses(dir + "/f1.tsv"), l2 = try losses(dir + "/f2.tsv")
        #expect(l1.count == 20 && l2.count == 20)
        let worst = zip(l1, l2).map { abs($0 - $1) / abs($0) }.max() ?? .infinity
        #expect(worst <= 1e-5, "N=1 vs N=2 finetune losses differ by \(worst) relative")
        let odd = try ToolRunner.run(mpirun!, launch + [finetune] + flags + ["--batch", "5", "-o", "f3.ckpt"], in: dir)
        #expect(odd.status == 64 && odd.stderr.contains("--batch 5 does not split over 2 ranks"), "\(odd.stderr)")
    }
}

/// A small corpus and its tokenizer (tokenizer trained, documents encoded in a scratch folder).
private let corpusFolder: String = {
    let dir = try! ToolRunner.temporaryFolder("birdie-dp-corpus")
    let words = ["alpha", "beta", "gamma", "delta", "copy", "the", "of", "phone", "book", "state", "space", "river", "stone"]
    var rng = SplitMix64(seed: 11)
    let text = (0..<150).map { _ in
        "{\"text\": \"" + (0..<(120 + Int(rng.next() % 200))).map { _ in words[Int(rng.next() % UInt64(words.count))] }.joined(separator: " ") + "\"}"
    }.joined(separator: "\n") + "\n"
    FileManager.default.createFile(atPath: dir + "/c.jsonl", contents: Data(text.utf8))
    _ = try! ToolRunner.run("tokenize", ["train", "--vocab-size", "440", "-o", "tok.model", "c.jsonl", "-q"], in: dir)
    _ = try! ToolRunner.run("tokenize", ["encode", "-m", "tok.model", "-o", "docs.tok", "c.jsonl", "-q"], in: dir)
    return dir
}()

/// The processes whose parent is `pid` (mpirun starts the ranks itself on one node).
private func children(of pid: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { p in
        guard let stat = try? String(contentsOfFile: "/proc/\(p)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 && Int32(fields[1]) == pid
    }.sorted()
}

/// Running (a zombie, killed but not yet reaped by its new parent, is not).
private func alive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
    return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
}

private func environment(_ pid: Int32) -> [String: String] {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return [:] }
    var env: [String: String] = [:]
    for entry in data.split(separator: 0) {
        let s = String(decoding: entry, as: UTF8.self)
        if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
    }
    return env
}
