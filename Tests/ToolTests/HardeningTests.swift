import Foundation
import Testing

/// Sizes and values that make no sense are refused before any work, with exit 64 and one line
/// naming the flag; `--resume` refuses a command that would train something else.
@Suite(.serialized) struct HardeningTests {
    static let cases: [(tool: String, arguments: [String], flag: String)] = [
        ("pack", ["--length", "99999999999999999"], "--length"),
        ("train", ["--batch", "4000000000", "--task", "copying"], "--batch"),
        ("train", ["--d-model", "100000000", "--task", "copying"], "--d-model"),
        ("train", ["--length", "4000000000", "--task", "copying"], "--length"),
        ("train", ["--lr=-1", "--task", "copying"], "--lr"),
        ("train", ["--lr", "nan", "--task", "copying"], "--lr"),
        ("train", ["--checkpoint-every=-1", "--task", "copying"], "--checkpoint-every"),
        ("train", ["--preset", "small", "--batch", "512", "--length", "8192", "--vocab-size", "8192", "--task", "copying"], "--batch"),
        ("finetune", ["--checkpoint", "x.ckpt", "-m", "t.model", "--lr", "inf", "-o", "y.ckpt"], "--lr"),
        ("critic", ["--candidates", "99999999999"], "--candidates"),
        ("corrupt", ["--length", "99999999999"], "--length"),
        ("phonebook-gen", ["--count", "0"], "--count"),
    ]

    @Test(arguments: cases.indices)
    func nonsenseSizesAndValuesAreUsageErrors(_ i: Int) throws {
        let c = Self.cases[i]
        try ToolRunner.expectUsageErrorAtStart(c.tool, c.arguments, naming: [c.flag])
    }

    @Test func unknownMixturesAndGridsAreUsageErrorsNamingTheChoices() throws {
        let mixture = try ToolRunner.run("corrupt", ["--mixture", "nosuch", "/dev/null"])
        #expect(mixture.status == 64 && mixture.stderr.contains("unknown mixture nosuch") && mixture.stderr.contains("light"))
        let garbage = try ToolRunner.temporaryFolder("hardening-critic") + "/garbage.json"
        #expect(FileManager.default.createFile(atPath: garbage, contents: Data("x".utf8)))
        let critic = try ToolRunner.run("critic", ["--configurations", garbage])
        #expect(critic.status == 65 && critic.stderr.components(separatedBy: garbage).count == 2, "the path once: \(critic.stderr)")
    }

    @Test func anOutputThatIsAnInputIsRefusedAndTheInputKept() throws {
        let dir = ScoreTests.fixture
        let model = FileManager.default.contents(atPath: dir + "/tok.model")
        let encode = try ToolRunner.run("tokenize", ["encode", "-m", "tok.model", "-o", "tok.model", "text.txt"], in: dir)
        #expect(encode.status == 64 && encode.stderr.contains("is also an input"), "\(encode.stderr)")
        #expect(FileManager.default.contents(atPath: dir + "/tok.model") == model)
        let score = try ToolRunner.run("score", ["--task", "phonebook", "--checkpoint", "base.ckpt", "-m", "tok.model",
                                                 "books.jsonl", "-o", "./books.jsonl"], in: dir)
        #expect(score.status == 64 && score.stderr.contains("books.jsonl"))
    }

    @Test func resumeRefusesADifferentRunAndNamesEachFlag() throws {
        let dir = try ToolRunner.temporaryFolder("hardening-resume")
        let run = ["--model", "gated-ssm-plus", "--preset", "tiny", "--task", "copying", "--steps", "4", "--batch", "2", "--length", "48", "-q"]
        #expect(try ToolRunner.run("train", run + ["-o", "m.ckpt", "--stop-after", "2"], in: dir).status == 0)
        let state = FileManager.default.contents(atPath: dir + "/m.ckpt.state")
        func resumed(_ changes: [String: String]) throws -> ToolRunner.Run {
            var arguments = run
            for (flag, value) in changes {
                if let at = arguments.firstIndex(of: flag) { arguments[at + 1] = value } else { arguments += [flag, value] }
            }
            return try ToolRunner.run("train", arguments + ["--resume", "m.ckpt"], in: dir)
        }
        let other = try resumed(["--model": "hawk", "--seed": "9"])
        #expect(other.status == 64 && other.stderr.contains("--model hawk (the run: gated-ssm-plus)") && other.stderr.contains("--seed 9 (the run: 1)"))
        #expect(try resumed(["--batch": "3"]).status == 64)
        #expect(try resumed(["--steps": "2"]).status == 64)
        #expect(FileManager.default.contents(atPath: dir + "/m.ckpt.state") == state, "a refused resume leaves the state alone")
        #expect(try resumed([:]).status == 0)
    }
}
