import Foundation
import Testing

/// End-to-end runs of phonebook-gen and infill-gen on fixtures written to a temporary folder.
@Suite struct TaskGenTests {
    private static func write(_ text: String, _ path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func census() throws -> String {
        let dir = try ToolRunner.temporaryFolder("taskgen")
        let first = ["MARY", "LINDA", "SUSAN", "KAREN", "JAMES", "JOHN", "PAUL", "MARK"]
        let last = ["SMITH", "JONES", "BROWN", "DAVIS", "MILLER", "WILSON", "MOORE", "TAYLOR", "CLARK", "LEWIS"]
        func lines(_ names: [String]) -> String { names.map { "\($0)          0.100  0.100      1\n" }.joined() }
        try write(lines(Array(first.prefix(4))), dir + "/dist.female.first")
        try write(lines(Array(first.suffix(4))), dir + "/dist.male.first")
        try write(lines(last), dir + "/dist.all.last")
        return dir
    }

    private static func jsonLines(_ data: Data) throws -> [[String: Any]] {
        try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// Corpus JSONL of `count` documents of paragraphs tagged with `tag`.
    private static func corpus(_ tag: String, count: Int) -> String {
        (0..<count).map { d in
            let text = (0..<8).map { p in "The \(tag) tale \(d) part \(p) went on \(String(repeating: "and on ", count: (d + p) % 4))." }
                .joined(separator: "\n\n")
            let object = try! JSONSerialization.data(withJSONObject: ["text": text, "source": "fixture/\(tag)-\(d)"], options: [.sortedKeys])
            return String(decoding: object, as: UTF8.self) + "\n"
        }.joined()
    }

    @Test func phonebookGenWritesBooksThatFitAndRepeat() throws {
        let names = try Self.census()
        let dir = try ToolRunner.temporaryFolder("taskgen")
        let args = ["--names", names, "--entries", "5-30", "--queries", "1-4", "--count", "40", "--max-tokens", "400", "--seed", "3"]
        let first = try ToolRunner.run("phonebook-gen", args + ["-o", dir + "/a.jsonl"])
        #expect(first.status == 0, "\(first.stderr)")
        let again = try ToolRunner.run("phonebook-gen", args)
        #expect(again.status == 0)
        let written = try #require(FileManager.default.contents(atPath: dir + "/a.jsonl"))
        #expect(written == again.stdout, "same seed, same bytes; -o and stdout agree")
        let items = try Self.jsonLines(written)
        #expect(items.count == 40)
        for item in items {
            let prompt = try #require(item["prompt"] as? String), target = try #require(item["target"] as? String)
            let entries = try #require(item["entries"] as? Int), queries = try #require(item["queries"] as? Int)
            #expect(prompt.utf8.count + target.utf8.count <= 400)
            #expect(item["tokens"] as? Int == prompt.utf8.count + target.utf8.count)
            let lines = prompt.components(separatedBy: "\n")
            #expect(lines.count == entries + 3 && lines[1] == "Phonebook:")
            let book = Dictionary(uniqueKeysWithValues: lines[2..<(lines.count - 1)].map {
                let parts = $0.components(separatedBy: ": ")
                return (parts[0], parts[1])
            })
            let numbers = target.components(separatedBy: ", ")
            #expect(numbers.count == queries)
            #expect(numbers.allSatisfy { n in book.values.filter { $0 == n }.count == 1 })
        }
        let other = try ToolRunner.run("phonebook-gen", args.dropLast() + ["4"])
        #expect(other.stdout != again.stdout)
    }

    @Test func phonebookGenCountsTokensWithATokenizer() throws {
        let names = try Self.census()
        let dir = try ToolRunner.temporaryFolder("taskgen")
        // A BPE trained on phone-book text merges digits and names, so a book costs fewer tokens than bytes.
        let sample = (0..<40).map { "What are the phone numbers for Mary Smith and John Brown? \($0 % 10)23-45\($0 % 7)-67\($0 % 9)0\n" }.joined()
        try Self.write(sample, dir + "/sample.txt")
        let train = try ToolRunner.run("tokenize", ["train", "--vocab-size", "600", "-o", dir + "/tok.model", dir + "/sample.txt"])
        try #require(train.status == 0, "\(train.stderr)")
        let args = ["--names", names, "--entries", "5-60", "--queries", "1-3", "--count", "30", "--max-tokens", "500"]
        let withModel = try Self.jsonLines(try ToolRunner.run("phonebook-gen", args + ["-m", dir + "/tok.model"]).stdout)
        let withBytes = try Self.jsonLines(try ToolRunner.run("phonebook-gen", args).stdout)
        #expect(withModel.count == 30 && withBytes.count == 30)
        for item in withModel {
            let tokens = try #require(item["tokens"] as? Int)
            let bytes = (item["prompt"] as! String).utf8.count + (item["target"] as! String).utf8.count
            #expect(tokens <= 500 && tokens < bytes)
        }
        func meanEntries(_ items: [[String: Any]]) -> Double { Double(items.map { $0["entries"] as! Int }.reduce(0, +)) / Double(items.count) }
        #expect(meanEntries(withModel) > meanEntries(withBytes), "the same budget holds more entries in BPE tokens")
        let bad = try ToolRunner.run("phonebook-gen", args + ["-m", dir + "/sample.txt"])
        #expect(bad.status == 65 && bad.stderr.contains("sample.txt"))
    }

    @Test func phonebookGenMissingNamesIsExit65() throws {
        let dir = try ToolRunner.temporaryFolder("taskgen")
        let result = try ToolRunner.run("phonebook-gen", ["--names", dir + "/nowhere", "-o", dir + "/out.jsonl"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("nowhere/dist.female.first") && result.stderr.contains("make data"))
        #expect(result.stderr.split(separator: "\n").count == 1, "one line")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out.jsonl"), "nothing written")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [], "no temporary left behind")
    }

    @Test func phonebookGenUsageErrors() throws {
        let names = try Self.census()
        #expect(try ToolRunner.run("phonebook-gen", ["--names", names, "--entries", "9-3"]).status == 64)
        #expect(try ToolRunner.run("phonebook-gen", ["--names", names, "--entries", "2-3", "--queries", "5-6"]).status == 64)
        let tight = try ToolRunner.run("phonebook-gen", ["--names", names, "--entries", "10-20", "--max-tokens", "60"])
        #expect(tight.status == 64 && tight.stderr.contains("--max-tokens"))
    }

    @Test func phonebookGenRungsMakeAnEqualLadder() throws {
        let names = try Self.census()
        let args = ["--names", names, "--rungs", "1,2,4,8", "--queries", "1-3", "--count", "22", "--max-tokens", "700", "--seed", "2"]
        let first = try ToolRunner.run("phonebook-gen", args)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try ToolRunner.run("phonebook-gen", args).stdout == first.stdout, "same seed, same bytes")
        let items = try Self.jsonLines(first.stdout)
        #expect(items.count == 22)
        for (i, item) in items.enumerated() {
            let entries = try #require(item["entries"] as? Int), queries = try #require(item["queries"] as? Int)
            let prompt = try #require(item["prompt"] as? String)
            #expect(entries == [1, 2, 4, 8][i % 4] && prompt.components(separatedBy: "\n").count == entries + 3)
            #expect(queries >= 1 && queries <= min(3, entries))
            #expect(try #require(item["tokens"] as? Int) <= 700)
        }
        let help = try ToolRunner.run("phonebook-gen", ["--help"])
        #expect(help.status == 0 && help.out.contains("--rungs") && help.out.contains("--rungs 1,2,4,8,16"))
    }

    @Test func phonebookGenRungsUsageErrors() throws {
        let names = try Self.census()
        let both = try ToolRunner.run("phonebook-gen", ["--names", names, "--rungs", "1,2", "--entries", "3-5"])
        #expect(both.status == 64 && both.stderr.contains("--rungs") && both.stderr.contains("--entries"))
        #expect(both.stderr.split(separator: "\n").count == 1, "one line")
        for bad in ["1,,2", "0,2", "2,x", "", "3,1,3"] {
            #expect(try ToolRunner.run("phonebook-gen", ["--names", names, "--rungs", bad]).status == 64, "--rungs '\(bad)'")
        }
        // A one-entry book is about 200 bytes, eight entries never fit in 300: a usage error naming
        // the rung, not an endless redraw.
        let tight = try ToolRunner.run("phonebook-gen", ["--names", names, "--rungs", "1,8", "--queries", "1", "--count", "4", "--max-tokens", "300"])
        #expect(tight.status == 64 && tight.stderr.contains("rung 8 of --rungs 1,8") && tight.stderr.contains("--max-tokens"))
        #expect(tight.stderr.split(separator: "\n").count == 1, "one line")
        #expect(tight.stdout.isEmpty, "nothing written")
    }

    @Test func infillGenUsesHeldOutTextOnly() throws {
        let dir = try ToolRunner.temporaryFolder("taskgen")
        try Self.write(Self.corpus("heldout", count: 10), dir + "/heldout.jsonl")
        // The training split shares one paragraph with the held-out one; it must never be used.
        let shared = "The shared tale that both splits contain went on and on for a while."
        try Self.write(Self.corpus("train", count: 10), dir + "/train.jsonl")
        var heldout = try Self.jsonLines(try #require(FileManager.default.contents(atPath: dir + "/heldout.jsonl")))
        var train = try Self.jsonLines(try #require(FileManager.default.contents(atPath: dir + "/train.jsonl")))
        heldout[0]["text"] = "\(heldout[0]["text"]!)\n\n\(shared)"
        train[5]["text"] = "\(shared)\n\n\(train[5]["text"]!)"
        func encode(_ objects: [[String: Any]]) throws -> String {
            try objects.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) + "\n" }.joined()
        }
        try Self.write(try encode(heldout), dir + "/heldout.jsonl")
        try Self.write(try encode(train), dir + "/train.jsonl")

        let result = try ToolRunner.run("infill-gen", [dir + "/heldout.jsonl", "--count", "50", "--seed", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("train.jsonl excluded"))
        let items = try Self.jsonLines(result.stdout)
        #expect(items.count >= 10)
        for item in items {
            let context = try #require(item["context"] as? String)
            let choices = try #require(item["choices"] as? [String]), label = try #require(item["label"] as? Int)
            #expect(context.hasSuffix("\nWhich choice best fills in the missing entry?"))
            #expect(context.components(separatedBy: "(blank)").count == 2)
            #expect(choices.count == 4 && (0..<4).contains(label))
            #expect(!context.contains("train tale") && !context.contains("shared tale"))
            #expect(!choices.contains { $0.contains("train tale") || $0.contains("shared tale") })
        }
        let again = try ToolRunner.run("infill-gen", [dir + "/heldout.jsonl", "--count", "50", "--seed", "2"])
        #expect(again.stdout == result.stdout)
    }

    @Test func infillGenRefusesTrainingText() throws {
        let dir = try ToolRunner.temporaryFolder("taskgen")
        try Self.write(Self.corpus("train", count: 3), dir + "/train.jsonl")
        let result = try ToolRunner.run("infill-gen", [dir + "/train.jsonl"])
        #expect(result.status == 64 && result.stderr.contains("held-out"))
    }

    @Test(arguments: [("{\"text\": \"fine\"}\n{\"text\": \"broken\n", "line 2"), ("", "empty"), ("{\"body\": \"x\"}\n", "missing field \"text\"")])
    func infillGenBadInputIsExit65(contents: String, reason: String) throws {
        let dir = try ToolRunner.temporaryFolder("taskgen")
        try Self.write(contents, dir + "/heldout.jsonl")
        let result = try ToolRunner.run("infill-gen", [dir + "/heldout.jsonl", "-o", dir + "/items.jsonl"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("heldout.jsonl") && result.stderr.contains(reason), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one line")
        #expect(!FileManager.default.fileExists(atPath: dir + "/items.jsonl"))
    }

    @Test func infillGenReadsStdin() throws {
        let result = try ToolRunner.run("infill-gen", ["-", "--count", "3"], stdin: .data(Data(Self.corpus("piped", count: 6).utf8)))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.jsonLines(result.stdout).count == 3)
    }
}
