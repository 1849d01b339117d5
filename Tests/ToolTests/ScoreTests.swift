import Foundation
import Testing

/// score and finetune end to end: a tiny tokenizer and checkpoint made in a temporary folder.
@Suite(.serialized) struct ScoreTests {
    static func write(_ text: String, _ path: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

    /// A folder with tok.model (vocabulary 450), base.ckpt (tiny hawk, bidirectional, that vocabulary),
    /// other.ckpt (vocabulary 460) and books.jsonl (phone books over fixture names).
    static let fixture: String = {
        let dir = NSTemporaryDirectory() + "score-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir + "/names", withIntermediateDirectories: true)
        let text = (0..<40).map { "Call Mary Smith at 123-456-7890, or John Brown at 555-010-\(1000 + $0). The phonebook above has numbers." }
        try! write(text.joined(separator: "\n\n"), dir + "/text.txt")
        func lines(_ names: [String]) -> String { names.map { "\($0)          0.100  0.100      1\n" }.joined() }
        try! write(lines(["MARY", "LINDA", "SUSAN"]), dir + "/names/dist.female.first")
        try! write(lines(["JAMES", "JOHN", "PAUL"]), dir + "/names/dist.male.first")
        try! write(lines(["SMITH", "JONES", "BROWN", "DAVIS", "MILLER"]), dir + "/names/dist.all.last")
        let steps: [(String, [String])] = [
            ("tokenize", ["train", "--vocab-size", "450", "-o", "tok.model", "-q", "text.txt"]),
            ("train", ["--model", "hawk", "--preset", "tiny", "--form", "bidirectional", "--task", "random-tokens", "--vocab-size", "450",
                       "--steps", "1", "--batch", "1", "--length", "16", "--eval-batches", "0", "-q", "-o", "base.ckpt"]),
            ("train", ["--model", "hawk", "--preset", "tiny", "--task", "random-tokens", "--vocab-size", "460",
                       "--steps", "1", "--batch", "1", "--length", "16", "--eval-batches", "0", "-q", "-o", "other.ckpt"]),
            ("phonebook-gen", ["--names", "names", "--entries", "2-4", "--queries", "1-2", "--count", "6", "-q", "-o", "books.jsonl"]),
        ]
        for (tool, arguments) in steps {
            let r = try! ToolRunner.run(tool, arguments, in: dir)
            precondition(r.status == 0, "\(tool) failed: \(r.stderr)")
        }
        return dir
    }()

    static func json(_ path: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    @Test func phoneBookWritesOneRowPerItemAndASummary() throws {
        let dir = Self.fixture
        let args = ["--task", "phonebook", "--checkpoint", "base.ckpt", "-m", "tok.model", "books.jsonl", "--summary", "s.json", "-q"]
        let r = try ToolRunner.run("score", args, in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.out.split(separator: "\n")
        #expect(lines.first == "item\tentries\tqueried\tcorrect_numbers\tall_correct\tgenerated_tokens\tprompt_tokens\ttarget\tprediction\tanswer_nll\tdigit_accuracy")
        #expect(lines.count == 7)
        for line in lines.dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            let nll = try #require(Double(fields[9])), digits = try #require(Double(fields[10]))
            #expect(nll > 0 && (0...1).contains(digits), "\(line)")
        }
        let summary = try Self.json(dir + "/s.json")
        #expect(summary["task"] as? String == "phonebook" && summary["items"] as? Int == 6)
        #expect(summary["answer_nll"] as? Double != nil && summary["digit_accuracy"] as? Double != nil)
        let byQueried = try #require(summary["by_queried"] as? [[String: Any]])
        #expect(byQueried.map { $0["items"] as? Int ?? 0 }.reduce(0, +) == 6)
        #expect(byQueried.allSatisfy { $0["answer_nll"] != nil && $0["digit_accuracy"] != nil })
        let byEntries = try #require(summary["by_entries"] as? [[String: Any]])
        let rungs = byEntries.map { $0["entries"] as? Int ?? 0 }
        #expect(rungs == rungs.sorted() && Set(rungs).isSubset(of: 2...4))
        #expect(byEntries.map { $0["items"] as? Int ?? 0 }.reduce(0, +) == 6)
        #expect(byEntries.map { $0["numbers"] as? Int ?? 0 }.reduce(0, +) == summary["numbers"] as? Int)
        // Deterministic, and --limit scores a seeded sample (the same for the same --seed).
        #expect(try ToolRunner.run("score", args, in: dir).out == r.out)
        let limited = try ToolRunner.run("score", args + ["--limit", "2", "--max-new-tokens", "3"], in: dir)
        #expect(limited.out.split(separator: "\n").count == 3)
        #expect(limited.out.split(separator: "\n").dropFirst().allSatisfy { Int($0.split(separator: "\t")[5])! <= 3 })
        #expect(try ToolRunner.run("score", args + ["--limit", "2", "--max-new-tokens", "3"], in: dir).out == limited.out)
    }

    /// The capacity ceilings' path (docs/SCALE.md): a fresh model from `train --init-only`, fine-tuned
    /// with `--snapshots`, which keeps every checkpoint's weights for the learning curve.
    @Test func finetuneFromScratchKeepsSnapshots() throws {
        let dir = Self.fixture
        let initArgs = ["--init-only", "--model", "gated-ssm", "--preset", "tiny", "--vocab-size", "450", "--form", "bidirectional", "-q"]
        #expect(try ToolRunner.run("train", initArgs + ["-o", "init.ckpt"], in: dir).status == 0)
        #expect(try ToolRunner.run("train", initArgs + ["-o", "init2.ckpt"], in: dir).status == 0)
        let fresh = FileManager.default.contents(atPath: dir + "/init.ckpt")
        #expect(fresh != nil && fresh == FileManager.default.contents(atPath: dir + "/init2.ckpt"))
        #expect(try ToolRunner.run("train", ["--init-only", "--model", "hawk", "-o", "x.ckpt"], in: dir).status == 64)
        let ft = try ToolRunner.run("finetune", ["--checkpoint", "init.ckpt", "-m", "tok.model", "books.jsonl", "--steps", "4", "--batch", "2",
                                                 "--length", "512", "--lr", "1e-2", "--checkpoint-every", "2", "--snapshots",
                                                 "-o", "scratch.ckpt", "-q"], in: dir)
        #expect(ft.status == 0, "\(ft.stderr)")
        let final = FileManager.default.contents(atPath: dir + "/scratch.ckpt")
        let step2 = FileManager.default.contents(atPath: dir + "/scratch.ckpt.step-2")
        #expect(final != nil && final == FileManager.default.contents(atPath: dir + "/scratch.ckpt.step-4"))
        #expect(step2 != nil && step2 != final && step2 != fresh)
        let scored = try ToolRunner.run("score", ["--task", "phonebook", "--checkpoint", "scratch.ckpt.step-2", "-m", "tok.model",
                                                  "books.jsonl", "-q"], in: dir)
        #expect(scored.status == 0, "\(scored.stderr)")
    }

    @Test func multipleChoiceAndSquadRun() throws {
        let dir = Self.fixture
        try Self.write("""
            {"choices": ["Mary Smith called.", "No.", "John Brown at home, then.", "The phonebook."], "context": "1. Call Mary.\\n2. (blank)\\nWhich choice best fills in the missing entry?", "label": 0}
            {"choices": ["a b c", "d e", "f", "g h i j"], "context": "Pick one.", "label": 3}

            """, dir + "/mc.jsonl")
        let mc = try ToolRunner.run("score", ["--task", "mc", "--checkpoint", "base.ckpt", "-m", "tok.model", "mc.jsonl", "--summary", "mc.json", "-q"], in: dir)
        #expect(mc.status == 0, "\(mc.stderr)")
        #expect(mc.out.split(separator: "\n").count == 3)
        #expect(try Self.json(dir + "/mc.json")["chance"] as? Double == 0.25)
        try Self.write("""
            {"version": "v2.0", "data": [{"title": "T", "paragraphs": [{"context": "Mary Smith lives in Paris.", "qas": [
              {"id": "a", "question": "Where?", "answers": [{"text": "Paris", "answer_start": 20}], "is_impossible": false},
              {"id": "b", "question": "Who?", "answers": [], "is_impossible": true}]}]}]}
            """, dir + "/squad.json")
        let squad = try ToolRunner.run("score", ["--task", "squad", "--checkpoint", "base.ckpt", "-m", "tok.model", "squad.json",
                                           "--max-new-tokens", "4", "-o", "squad.tsv", "--summary", "squad.summary", "-q"], in: dir)
        #expect(squad.status == 0, "\(squad.stderr)")
        #expect(squad.out.isEmpty)
        let rows = try String(contentsOfFile: dir + "/squad.tsv", encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 2 && rows[1].hasPrefix("0\ta\t"))
        #expect(try Self.json(dir + "/squad.summary")["items"] as? Int == 1)
    }

    @Test func objectiveSamplesFromCorrupt() throws {
        let dir = Self.fixture
        #expect(try ToolRunner.run("tokenize", ["encode", "-m", "tok.model", "-o", "docs.tok", "-q", "text.txt"], in: dir).status == 0)
        let c = try ToolRunner.run("corrupt", ["--mixture", "light", "--length", "256", "-o", "samples.smp", "-q", "docs.tok"], in: dir)
        #expect(c.status == 0, "\(c.stderr)")
        let r = try ToolRunner.run("score", ["--task", "objectives", "--checkpoint", "base.ckpt", "samples.smp", "--limit", "5",
                                       "--summary", "o.json", "-q"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.out.split(separator: "\n").count == 6)
        let classes = try #require(try Self.json(dir + "/o.json")["by_class"] as? [[String: Any]])
        #expect(classes.map { $0["samples"] as? Int ?? 0 }.reduce(0, +) == 5)
        #expect(classes.allSatisfy { ["next-token", "prefix-lm", "span-corruption", "autoencoding", "deshuffling", "copying", "selective-copying"].contains($0["class"] as? String ?? "") })
    }

    /// The samples' vocabulary must be the checkpoint's, and --limit still reads to the end frame.
    @Test func objectiveSamplesAreCheckedWholeAgainstTheCheckpoint() throws {
        let dir = Self.fixture
        #expect(try ToolRunner.run("tokenize", ["encode", "-m", "tok.model", "-o", "docs2.tok", "-q", "text.txt"], in: dir).status == 0)
        #expect(try ToolRunner.run("corrupt", ["--mixture", "light", "--length", "256", "-o", "s2.smp", "-q", "docs2.tok"], in: dir).status == 0)
        let other = try ToolRunner.run("score", ["--task", "objectives", "--checkpoint", "other.ckpt", "s2.smp", "-q"], in: dir)
        #expect(other.status == 65 && other.stderr.contains("s2.smp") && other.stderr.contains("vocabulary"), "\(other.stderr)")
        let whole = try #require(FileManager.default.contents(atPath: dir + "/s2.smp"))
        try whole.prefix(whole.count - 8).write(to: URL(fileURLWithPath: dir + "/cut.smp"))
        let cut = try ToolRunner.run("score", ["--task", "objectives", "--checkpoint", "base.ckpt", "cut.smp", "--limit", "2", "-q"], in: dir)
        #expect(cut.status == 65 && cut.stderr.contains("cut.smp"), "\(cut.stderr)")
    }

    @Test func badInputsExit65() throws {
        let dir = Self.fixture
        let base = ["--task", "phonebook", "--checkpoint", "base.ckpt", "-m", "tok.model", "-q"]
        let mismatch = try ToolRunner.run("score", ["--task", "phonebook", "--checkpoint", "other.ckpt", "-m", "tok.model", "books.jsonl", "-q"], in: dir)
        #expect(mismatch.status == 65)
        #expect(mismatch.stderr.contains("other.ckpt") && mismatch.stderr.contains("460") && mismatch.stderr.contains("450"))
        try Self.write("{\"prompt\": \"a\", \"target\": \"b\", \"entries\": 1, \"queries\": 1}\n{\"prompt\": \"a\"\n", dir + "/broken.jsonl")
        let broken = try ToolRunner.run("score", base + ["broken.jsonl"], in: dir)
        #expect(broken.status == 65)
        #expect(broken.stderr.contains("broken.jsonl") && broken.stderr.contains("line 2"))
        try Self.write("", dir + "/empty.jsonl")
        let empty = try ToolRunner.run("score", base + ["empty.jsonl"], in: dir)
        #expect(empty.status == 65)
        #expect(empty.stderr.contains("empty.jsonl"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/never.tsv"))
        let ft = try ToolRunner.run("finetune", ["--checkpoint", "other.ckpt", "-m", "tok.model", "books.jsonl", "-o", "never.ckpt", "-q"], in: dir)
        #expect(ft.status == 65 && ft.stderr.contains("other.ckpt"))
        let ftEmpty = try ToolRunner.run("finetune", ["--checkpoint", "base.ckpt", "-m", "tok.model", "empty.jsonl", "-o", "never.ckpt", "-q"], in: dir)
        #expect(ftEmpty.status == 65 && ftEmpty.stderr.contains("empty.jsonl"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/never.ckpt"))
    }

    @Test func finetuneThenResumeEqualsUninterrupted() throws {
        let dir = Self.fixture
        let common = ["--checkpoint", "base.ckpt", "-m", "tok.model", "books.jsonl", "--steps", "6", "--batch", "2", "--length", "320",
                      "--lr", "3e-3", "--eval-every", "3", "-q"]
        let straight = try ToolRunner.run("finetune", common + ["-o", "straight.ckpt", "--metrics", "straight.tsv"], in: dir)
        #expect(straight.status == 0, "\(straight.stderr)")
        let first = try ToolRunner.run("finetune", common + ["-o", "resumed.ckpt", "--metrics", "resumed.tsv", "--checkpoint-every", "2",
                                                       "--stop-after", "3"], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let rest = try ToolRunner.run("finetune", ["--resume", "resumed.ckpt", "-m", "tok.model", "books.jsonl", "--steps", "6", "--batch", "2",
                                             "--length", "320", "--lr", "3e-3", "--eval-every", "3", "--metrics", "resumed.tsv", "-q"], in: dir)
        #expect(rest.status == 0, "\(rest.stderr)")
        func bytes(_ name: String) -> Data? { FileManager.default.contents(atPath: dir + "/" + name) }
        #expect(bytes("straight.ckpt") != nil && bytes("straight.ckpt") == bytes("resumed.ckpt"))
        #expect(bytes("straight.ckpt.state") == bytes("resumed.ckpt.state"))
        #expect(bytes("straight.ckpt") != bytes("base.ckpt"))
        // The same losses and accuracies step by step (column 7, tokens/s, is timing).
        func losses(_ name: String) throws -> [String] {
            try String(contentsOfFile: dir + "/" + name, encoding: .utf8).split(separator: "\n").map { line in
                line.split(separator: "\t").enumerated().filter { $0.offset != 6 }.map(\.element).joined(separator: "\t")
            }
        }
        #expect(try losses("straight.tsv").count == 7)
        #expect(try losses("straight.tsv") == losses("resumed.tsv"))
    }
}
