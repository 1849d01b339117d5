import Foundation
import Testing

/// End-to-end runs of `tokenize` (the release binary) on fixtures generated in a temporary folder.
@Suite struct TokenizeTests {
    /// Runs tokenize with stdin from a file and stdout to a file when given.
    @discardableResult
    private static func tokenize(_ arguments: [String], stdin: String? = nil, stdout: String? = nil) throws -> ToolRunner.Run {
        try ToolRunner.run("tokenize", arguments, stdin: stdin.map { .file($0) } ?? .none, stdoutFile: stdout)
    }

    private static func bytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }
    private static func write(_ bytes: [UInt8], _ path: String) { _ = FileManager.default.createFile(atPath: path, contents: Data(bytes)) }

    /// Documents of multilingual text with emoji, CRLF, NUL, a very long line and an empty one.
    private static func documents() -> [String] {
        let words = ["the", "king", "and", "queen", "naïve", "café", "Привет", "мир", "こんにちは", "世界", "مرحبا",
                     "😀", "👩🏽‍💻", "🎉", "don't", "3.14", "\u{0}", "\t", "\r\n", "\n", "\"quoted\"", "back\\slash"]
        var state: UInt64 = 42
        func next(_ n: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int((state >> 33) % UInt64(n)) }
        var docs = [""]
        for d in 1..<60 {
            var s = (0..<(next(80) + 1)).map { _ in words[next(words.count)] }.joined(separator: " ")
            if d == 5 { s += String(repeating: "a long line without end ", count: 8000) }
            docs.append(s)
        }
        return docs
    }

    /// JSONL as `tokenize decode` writes it: {"text": ...}, escaping only ", \ and control bytes.
    private static func jsonl(_ docs: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for d in docs {
            out += Array("{\"text\": \"".utf8)
            for b in d.utf8 {
                switch b {
                case 0x22: out += Array("\\\"".utf8)
                case 0x5C: out += Array("\\\\".utf8)
                case 0x0A: out += Array("\\n".utf8)
                case 0x0D: out += Array("\\r".utf8)
                case 0x09: out += Array("\\t".utf8)
                case 0..<0x20: out += Array(String(format: "\\u%04x", b).utf8)
                default: out.append(b)
                }
            }
            out += Array("\"}\n".utf8)
        }
        return out
    }

    /// A folder with corpus.jsonl and a trained model tok.model.
    private static func trained(vocabSize: Int = 520) throws -> String {
        let dir = try ToolRunner.temporaryFolder("tokenize")
        write(jsonl(documents()), dir + "/corpus.jsonl")
        let r = try tokenize(["train", "--vocab-size", "\(vocabSize)", "-o", dir + "/tok.model", dir + "/corpus.jsonl", "-q"])
        #expect(r.status == 0, "\(r.stderr)")
        return dir
    }

    @Test func roundTripIsByteExact() throws {
        let dir = try Self.trained()
        let corpus = dir + "/corpus.jsonl", model = dir + "/tok.model"
        #expect(try Self.tokenize(["encode", "-m", model, "-o", dir + "/a.tok", corpus]).status == 0)
        let d = try Self.tokenize(["decode", "-m", model, dir + "/a.tok"], stdout: dir + "/back.jsonl")
        #expect(d.status == 0, "\(d.stderr)")
        #expect(Self.bytes(dir + "/back.jsonl") == Self.bytes(corpus))

        // Through pipes (stdin to stdout), zstd-compressed chunks, an explicit format.
        #expect(try Self.tokenize(["encode", "-m", model, "--compress", "zstd", "-", "-q"], stdin: corpus, stdout: dir + "/z.tok").status == 0)
        #expect(try Self.tokenize(["decode", "-m", model, "--format", "jsonl", "-"], stdin: dir + "/z.tok", stdout: dir + "/z.jsonl").status == 0)
        #expect(Self.bytes(dir + "/z.jsonl") == Self.bytes(corpus))
        #expect(Self.bytes(dir + "/z.tok").count < Self.bytes(dir + "/a.tok").count)

        // Any bytes at all (NUL, invalid UTF-8, CR without LF) as one raw document.
        var raw = Array(Self.documents().joined(separator: "\n").utf8)
        raw.insert(contentsOf: [0xFF, 0xC3, 0x28, 0x80, 0x00, 0x0D], at: 100)
        Self.write(raw, dir + "/raw.bin")
        #expect(try Self.tokenize(["encode", "-m", model, "--input-format", "raw", "-o", dir + "/raw.tok", dir + "/raw.bin"]).status == 0)
        #expect(try Self.tokenize(["decode", "-m", model, "-o", dir + "/raw.back", dir + "/raw.tok"]).status == 0)
        #expect(Self.bytes(dir + "/raw.back") == raw)

        // Text documents separated by blank lines come back the same way.
        let txt = "First paragraph,\nsecond line.\n\nSecond: 😀 café\n\nThird\n"
        Self.write(Array(txt.utf8), dir + "/a.txt")
        #expect(try Self.tokenize(["encode", "-m", model, "-o", dir + "/t.tok", dir + "/a.txt"]).status == 0)
        #expect(try Self.tokenize(["decode", "-m", model, "-o", dir + "/t.txt", dir + "/t.tok"]).status == 0)
        #expect(Self.bytes(dir + "/t.txt") == Array(txt.utf8))
    }

    @Test func sameInputsGiveIdenticalFiles() throws {
        let dir = try Self.trained()
        let args = ["train", "--vocab-size", "520", "-o", dir + "/m", dir + "/corpus.jsonl", "-q"]
        try Self.tokenize(args)
        try FileManager.default.moveItem(atPath: dir + "/m", toPath: dir + "/m1")
        try Self.tokenize(args)
        #expect(Self.bytes(dir + "/m") == Self.bytes(dir + "/m1") && !Self.bytes(dir + "/m").isEmpty)

        let enc = ["encode", "-m", dir + "/m", "--compress", "zstd", "-o", dir + "/s", dir + "/corpus.jsonl", "-q"]
        try Self.tokenize(enc)
        try FileManager.default.moveItem(atPath: dir + "/s", toPath: dir + "/s1")
        try Self.tokenize(enc)
        #expect(Self.bytes(dir + "/s") == Self.bytes(dir + "/s1") && !Self.bytes(dir + "/s").isEmpty)
    }

    /// Exit 65, one line on stderr naming the file, and no output (or temporary) left behind.
    private static func expectRefused(_ arguments: [String], in dir: String, output: String, mentions: String,
                                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = ToolRunner.files(dir)
        let r = try tokenize(arguments)
        #expect(r.status == 65, "\(arguments): \(r.stderr)", sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && r.stderr.contains(mentions), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: output), sourceLocation: sourceLocation)
        #expect(ToolRunner.files(dir) == before, "left behind: \(Set(ToolRunner.files(dir)).subtracting(before))", sourceLocation: sourceLocation)
    }

    @Test func badInputIsRefusedCleanly() throws {
        let dir = try Self.trained()
        let model = dir + "/tok.model", out = dir + "/out"
        #expect(try Self.tokenize(["encode", "-m", model, "-o", dir + "/good.tok", dir + "/corpus.jsonl", "-q"]).status == 0)
        let good = Self.bytes(dir + "/good.tok")

        // A stream cut inside a chunk, and one cut cleanly before its end frame (still being written).
        Self.write(Array(good[0..<(good.count / 2)]), dir + "/cut.tok")
        try Self.expectRefused(["decode", "-m", model, "-o", out, dir + "/cut.tok"], in: dir, output: out, mentions: "truncated")
        let endFrame = good.count - (0..<good.count - 4).reversed().first { Array(good[$0..<($0 + 4)]) == Array("END!".utf8) }!
        Self.write(Array(good.dropLast(endFrame)), dir + "/unfinished.tok")
        try Self.expectRefused(["decode", "-m", model, "-o", out, dir + "/unfinished.tok"], in: dir, output: out,
                               mentions: "truncated or still being written")

        var b = good; b[0] = UInt8(ascii: "X")
        Self.write(b, dir + "/magic.tok")
        try Self.expectRefused(["decode", "-m", model, "-o", out, dir + "/magic.tok"], in: dir, output: out, mentions: "wrong magic")
        try Self.expectRefused(["decode", "-m", model, "-o", out, dir + "/corpus.jsonl"], in: dir, output: out, mentions: "tokenize encode")

        b = good; b[8] = 9
        Self.write(b, dir + "/newer.tok")
        try Self.expectRefused(["decode", "-m", model, "-o", out, dir + "/newer.tok"], in: dir, output: out, mentions: "newer format version 9")

        // A model of another vocabulary size, and another model of the same size.
        #expect(try Self.tokenize(["train", "--vocab-size", "480", "-o", dir + "/small.model", dir + "/corpus.jsonl", "-q"]).status == 0)
        try Self.expectRefused(["decode", "-m", dir + "/small.model", "-o", out, dir + "/good.tok"], in: dir, output: out,
                               mentions: "vocabulary of")
        // (Trained on the JSONL file's raw bytes, syntax and all: other merges, same size.)
        #expect(try Self.tokenize(["train", "--vocab-size", "520", "--input-format", "raw", "-o", dir + "/other.model", dir + "/corpus.jsonl", "-q"]).status == 0)
        try Self.expectRefused(["decode", "-m", dir + "/other.model", "-o", out, dir + "/good.tok"], in: dir, output: out,
                               mentions: "another model")

        // Invalid JSONL: encode and train both refuse, naming the line, and write nothing.
        Self.write(Array("{\"text\": \"fine\"}\n{\"text\": \"broken}\n".utf8), dir + "/bad.jsonl")
        try Self.expectRefused(["encode", "-m", model, "-o", out, dir + "/bad.jsonl"], in: dir, output: out, mentions: "bad.jsonl: line 2: invalid JSON")
        try Self.expectRefused(["train", "--vocab-size", "500", "-o", out, dir + "/bad.jsonl"], in: dir, output: out, mentions: "line 2")

        // A broken model file.
        Self.write(Array("{\"format\": \"birdie-bpe\"}".utf8), dir + "/broken.model")
        try Self.expectRefused(["encode", "-m", dir + "/broken.model", "-o", out, dir + "/corpus.jsonl"], in: dir, output: out, mentions: "broken.model")
    }
}
