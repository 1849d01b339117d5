import Foundation
import Testing

/// Issue 24, items 4-6: numbers every tool takes (flags and the fields of grid files) are
/// bounded and refused in one line naming the bound; `score` keeps its memory bounded in the
/// prompt's length and refuses what it cannot hold before it starts.
@Suite(.serialized) struct BoundsTests {
    /// (tool, arguments, the flag, the bound the line names)
    static let flags: [(tool: String, arguments: [String], flag: String, bound: String)] = {
        let score = ["--task", "phonebook", "--checkpoint", "x.ckpt", "-m", "t.model", "books.jsonl"]
        return [
            ("score", score + ["--threads", "0"], "--threads", "256"),
            ("score", score + ["--threads", "100000"], "--threads", "256"),
            ("score", score + ["--max-new-tokens", "9223372036854775807"], "--max-new-tokens", "65536"),
            ("score", score + ["--max-prompt-tokens", "0"], "--max-prompt-tokens", "1048576"),
            ("score", score + ["--limit", "9223372036854775807"], "--limit", "1073741824"),
            ("score", ["bench", "--threads", "0"], "--threads", "256"),
            ("score", ["bench", "--contexts", "512", "9223372036854775807"], "--contexts", "1048576"),
            ("score", ["bench", "--vocab-size", "9223372036854775807"], "--vocab-size", "16777216"),
            ("phonebook-gen", ["--entries", "400000000"], "--entries", "65536"),
            ("phonebook-gen", ["--rungs", "1,2,400000000"], "--rungs", "65536"),
            ("phonebook-gen", ["--queries", "1-400000000"], "--queries", "65536"),
            ("phonebook-gen", ["--max-tokens", "9223372036854775807"], "--max-tokens", "1048576"),
            ("infill-gen", ["--count", "9223372036854775807", "x.jsonl"], "--count", "1073741824"),
            ("infill-gen", ["--story-length", "3-9223372036854775807", "x.jsonl"], "--story-length", "1024"),
            ("infill-gen", ["--entry-characters", "0-10", "x.jsonl"], "--entry-characters", "1048576"),
            ("tokenize", ["train", "--vocab-size", "9223372036854775807", "-o", "t.model", "x.txt"], "--vocab-size", "16777216"),
            ("tokenize", ["train", "--max-piece-bytes", "9223372036854775807", "-o", "t.model", "x.txt"], "--max-piece-bytes", "65536"),
            ("tokenize", ["train", "--min-frequency", "0", "-o", "t.model", "x.txt"], "--min-frequency", "2147483647"),
            ("corrupt", ["--max-characters", "0", "x.docs"], "--max-characters", "16777216"),
            ("corrupt", ["bench", "--repetitions", "0"], "--repetitions", "1024"),
            ("corrupt", ["bench", "--tokens=-5"], "--tokens", "1099511627776"),
            ("critic", ["simulate", "--noise", "nan"], "--noise", "1000000"),
            ("critic", ["simulate", "--configurations", "9223372036854775807"], "--configurations", "1048576"),
            ("critic", ["bench", "--history", "0"], "--history", "65536"),
            ("critic", ["--total-steps", "9223372036854775807"], "--total-steps", "2147483647"),
            ("critic", ["--candidate-power", "inf"], "--candidate-power", "1000"),
            ("train", ["--task", "copying", "--stop-after=-1"], "--stop-after", "2147483647"),
            ("train", ["--task", "copying", "--critic-training-steps", "9223372036854775807"], "--critic-training-steps", "1048576"),
        ]
    }()

    @Test(arguments: flags.indices)
    func numericFlagsPastTheirBoundsAreUsageErrorsNamingTheBound(_ i: Int) throws {
        let c = Self.flags[i]
        try ToolRunner.expectUsageErrorAtStart(c.tool, c.arguments, naming: [c.flag, c.bound])
    }

    static func write(_ text: String, _ path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Grid numbers near Int.max used to trap in `corrupt --mixture FILE` and `train --grid FILE`
    /// (exit 132); now one line, exit 65, naming the file and the bound.
    @Test(arguments: [
        #"{"name": "big", "objective": "next-token", "length": [1, 100000000000000000]}"#,
        #"{"name": "big", "objective": "selective-copying", "length": [64, 512], "spans": 9223372036854775807, "query": "before"}"#,
        #"{"name": "big", "objective": "selective-copying", "length": [64, 512], "spans": 2, "span_length": [1, 9223372036854775807], "query": "before"}"#,
        #"{"name": "big", "objective": "selective-copying", "length": [64, 512], "spans": 2, "delimiter_length": [1, 9223372036854775807], "query": "after"}"#,
    ])
    func gridIntegersPastTheirBoundsAreBadInput(_ entry: String) throws {
        let dir = try ToolRunner.temporaryFolder("bounds-grid")
        try Self.write(#"{"grid": "g", "reference_row_length": 1, "configurations": [\#(entry)]}"#, dir + "/g.json")
        try Self.write(#"{"grid": "g.json", "mixture": {"big": 1}}"#, dir + "/m.json")
        try Self.write("some text\n", dir + "/corpus.jsonl")
        for (tool, arguments) in [("corrupt", ["--mixture", "m.json", "--list-configurations", "/dev/null"]),
                                  ("corrupt", ["--mixture", "m.json", "--length", "2048", "-o", "out.samples", "/dev/null"]),
                                  ("train", ["--procedure", "birdie", "--grid", "g.json", "--corpus", "corpus.jsonl", "--preset", "tiny",
                                             "--vocab-size", "450", "--steps", "1", "-o", "m.ckpt", "-q"])] {
            let r = try ToolRunner.run(tool, arguments, in: dir)
            #expect(r.status == 65, "\(tool) \(arguments): \(r.status) \(r.stderr.prefix(300))")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("\(tool): error: ") && lines[0].contains("g.json")
                    && (lines[0].contains("1048576") || lines[0].contains("1024")), "\(tool): \(r.stderr.prefix(300))")
        }
    }

    /// A 1 MB configuration name is quoted shortened, not echoed whole.
    @Test func anUnknownLongConfigurationNameIsShortened() throws {
        let dir = try ToolRunner.temporaryFolder("bounds-name")
        try Self.write(#"{"grid": "light", "mixture": {"\#(String(repeating: "x", count: 1 << 20))": 1}}"#, dir + "/m.json")
        let r = try ToolRunner.run("corrupt", ["--mixture", "m.json", "--list-configurations", "/dev/null"], in: dir)
        #expect(r.status == 65 && r.stderr.contains("unknown configuration") && r.stderr.utf8.count < 500,
                "\(r.status), \(r.stderr.utf8.count) bytes")
    }

    /// `score --task mc` checks every item before it starts: a bad line is the one line on stderr.
    @Test func aBadMultipleChoiceItemIsRefusedBeforeScoringNamingItsLine() throws {
        let dir = ScoreTests.fixture
        try Self.write("""
            {"choices": ["a b c", "d e"], "context": "Pick one.", "label": 1}
            {"choices": ["only one"], "context": "Pick one.", "label": 0}

            """, dir + "/bad-mc.jsonl")
        let r = try ToolRunner.run("score", ["--task", "mc", "--checkpoint", "base.ckpt", "-m", "tok.model", "bad-mc.jsonl"], in: dir)
        #expect(r.status == 65, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("bad-mc.jsonl: line 2"), "\(r.stderr)")
    }

    /// A prompt over --max-prompt-tokens is refused before scoring, naming the item and the flag.
    @Test func aPromptOverTheBoundIsRefusedBeforeScoring() throws {
        let dir = ScoreTests.fixture
        let r = try ToolRunner.run("score", ["--task", "phonebook", "--checkpoint", "base.ckpt", "-m", "tok.model", "books.jsonl",
                                             "--max-prompt-tokens", "5"], in: dir)
        #expect(r.status == 65, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("books.jsonl: item 1: the prompt has") && lines[0].contains("--max-prompt-tokens"),
                "\(r.stderr)")
    }

    /// `score` no longer keeps the logits of every prompt position: a phone-book prompt of about
    /// 60,000 tokens at a vocabulary of about 4,000 asked for 2 GB of logits (two copies of
    /// 60,000 x 4,000 floats); now the peak stays a few hundred MB.
    @Test func aLongPromptIsScoredInBoundedMemory() throws {
        let dir = try ToolRunner.temporaryFolder("bounds-memory")
        var seed: UInt64 = 7
        func below(_ n: Int) -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int((seed >> 33) % UInt64(n)) }
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let words = (0..<3000).map { _ in String((0..<(2 + below(5))).map { _ in letters[below(26)] }) }
        try Self.write((0..<3000).map { _ in (0..<30).map { _ in words[below(words.count)] }.joined(separator: " ") }.joined(separator: "\n\n"),
                       dir + "/text.txt")
        let tokenizer = try ToolRunner.run("tokenize", ["train", "--vocab-size", "4096", "--min-frequency", "1", "-o", "tok.model", "text.txt"], in: dir)
        try #require(tokenizer.status == 0, "\(tokenizer.stderr)")
        // "vocabulary is N, not 4096" when the text has fewer pairs
        let vocab = tokenizer.stderr.components(separatedBy: "vocabulary is ").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) } ?? 4096
        #expect(vocab > 3000)
        let model = try ToolRunner.run("train", ["--init-only", "--model", "hawk", "--preset", "tiny", "--vocab-size", String(vocab), "-q", "-o", "m.ckpt"], in: dir)
        try #require(model.status == 0, "\(model.stderr)")
        let prompt = (0..<40_000).map { _ in words[below(words.count)] }.joined(separator: " ")
        try Self.write(#"{"prompt": "\#(prompt)", "target": "555-0100", "entries": 1, "queries": 1}"# + "\n", dir + "/long.jsonl")
        let r = try ToolRunner.run("score", ["--task", "phonebook", "--checkpoint", "m.ckpt", "-m", "tok.model", "long.jsonl",
                                             "--max-new-tokens", "4", "--progress", "always"], in: dir)
        try #require(r.status == 0, "\(r.stderr)")
        let peak = try #require(r.stderr.split(separator: "\n").last { $0.contains("peak memory") })
        let mb = try #require(Double(peak.split(separator: " ").dropLast().last ?? ""))
        #expect(mb < 700, "\(peak)")
        let promptTokens = r.out.split(separator: "\n").dropFirst().first.map { Int($0.split(separator: "\t")[6]) ?? 0 } ?? 0
        #expect(promptTokens > 50_000, "a long prompt: \(promptTokens) tokens")
    }

    @Test func finetuneHelpSaysResumeTakesThePlaceOfCheckpoint() throws {
        let r = try ToolRunner.run("finetune", ["--help"])
        #expect(r.status == 0)
        let help = r.out.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
        #expect(help.contains("--resume CHECKPOINT takes the place of --checkpoint"), "\(help)")
        #expect(!help.contains("(same flags as the original run)"))
    }
}
