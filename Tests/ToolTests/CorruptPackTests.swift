import Foundation
import Testing

// End-to-end tests of `corrupt` and `pack` (binaries in .build/release). Fixture streams are
// written byte by byte here, following docs/FORMATS.md, so the tests also pin the format.

private let repoRoot = ToolRunner.repository

/// Runs a built tool, or `bash -c` for pipelines (the built tools first on its PATH), in `folder`.
private func run(_ tool: String, _ arguments: [String], in folder: URL) throws -> ToolRunner.Run {
    guard tool == "bash" else { return try ToolRunner.run(tool, arguments, in: folder.path) }
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = ToolRunner.binaries.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
    return try ToolRunner.run("/bin/bash", arguments, in: folder.path, environment: environment)
}

private func temporaryFolder() throws -> URL { URL(fileURLWithPath: try ToolRunner.temporaryFolder("corrupt-pack")) }

// MARK: Writing record streams by hand (docs/FORMATS.md)

private let crcTable: [UInt32] = (0..<256).map { i in
    var c = UInt32(i)
    for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
    return c
}

private func crc32c(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
    return c ^ 0xFFFF_FFFF
}

private extension Array where Element == UInt8 {
    mutating func le<T: FixedWidthInteger>(_ v: T) { Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) } }
}

private struct StreamField { var name: String; var dtype: UInt8; var tokens: Bool }   // dtype 1 u8, 2 u16, 4 i32

/// A finished stream with all records in one chunk.
private func stream(_ magic: String, vocabulary: Int, fields: [StreamField], records: [[[Int]]],
                    extra: [String: String] = [:]) -> Data {
    var b = Array(magic.utf8)
    b.le(UInt16(1)); b.le(UInt16(0)); b.le(UInt32(vocabulary)); b.append(UInt8(fields.count))
    for f in fields { b += [f.dtype, f.tokens ? 1 : 0, UInt8(f.name.utf8.count)] + Array(f.name.utf8) }
    let encoder = JSONEncoder(); encoder.outputFormatting = .sortedKeys
    struct Provenance: Encodable { var arguments: [String] = []; var extra: [String: String]; var inputs: [String] = []; var tool = "test"; var version = "0" }
    let json = Array(try! encoder.encode(Provenance(extra: extra)))
    b.le(UInt32(json.count)); b += json
    b.le(crc32c(b))
    if !records.isEmpty {
        var payload = [UInt8]()
        for record in records {
            for (f, values) in zip(fields, record) {
                payload.le(UInt32(values.count))
                for v in values {
                    switch f.dtype { case 1: payload.append(UInt8(v)); case 2: payload.le(UInt16(v)); default: payload.le(Int32(v)) }
                }
            }
        }
        var frame = Array("CHNK".utf8)
        frame.le(UInt32(records.count)); frame.le(UInt32(payload.count)); frame.le(UInt32(payload.count)); frame.le(crc32c(payload))
        frame.le(crc32c(frame))
        b += frame + payload
    }
    var end = Array("END!".utf8)
    end.le(UInt64(records.count)); end.le(UInt64(records.isEmpty ? 0 : 1))
    let closing = Array(#"{"extra":{},"inputs":[]}"#.utf8)
    end.le(UInt32(closing.count)); end += closing
    end.le(crc32c(end))
    return Data(b + end)
}

private func tokenDocuments(_ docs: [[Int]], vocabulary: Int = 1000) -> Data {
    stream("BIRDTOKD", vocabulary: vocabulary, fields: [StreamField(name: "tokens", dtype: 2, tokens: true)], records: docs.map { [$0] })
}

/// Documents of ids drawn from a small text alphabet (so delimiters repeat, as in text).
private func randomDocuments(_ count: Int, lengths: ClosedRange<Int>, seed: UInt64) -> [[Int]] {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
    return (0..<count).map { _ in
        (0..<(lengths.lowerBound + next() % (lengths.count))).map { _ in 160 + next() % 600 }
    }
}

/// The rows as Pipelines/python/birdie_streams.py reads them: each field's values per row, and "names".
private func pythonRows(_ file: URL, in folder: URL) throws -> [String: Any] {
    let r = try run("bash", ["-c", "python3 '\(repoRoot.path)/Pipelines/python/birdie_streams.py' --json '\(file.path)'"], in: folder)
    #expect(r.status == 0, "\(r.stderr)")
    let stream = try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any] ?? [:]
    var rows = stream["fields"] as? [String: Any] ?? [:]
    rows["names"] = stream["names"]
    return rows
}

@Suite struct CorruptPackTests {
    /// docs/METHOD.md 2's layout, through `pack` and read back by the numpy reader of docs/FORMATS.md.
    @Test func goldenExampleThroughPackAndTheNumpyReader() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fields = [StreamField(name: "configuration", dtype: 2, tokens: false),
                      StreamField(name: "input", dtype: 2, tokens: true), StreamField(name: "target", dtype: 2, tokens: true)]
        let samples = stream("BIRDSMPL", vocabulary: 1000, fields: fields,
                             records: [[[3], [8, 200, 201], [300, 301]], [[5], [4, 202], [302, 303, 304]]],
                             extra: ["row-length": "12", "configurations": #"["a","b","c","d","e","f"]"#])
        try samples.write(to: folder.appendingPathComponent("s.smpl"))
        let r = try run("pack", ["s.smpl", "-o", "rows.pack", "--window", "1"], in: folder)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("2 samples in 1 rows of 12, fill rate 83.3%"), "\(r.stderr)")
        let rows = try pythonRows(folder.appendingPathComponent("rows.pack"), in: folder)
        #expect(rows["tokens"] as? [[Int]] == [[8, 200, 201, 1, 300, 4, 202, 1, 302, 303, 0, 0]])
        #expect(rows["labels"] as? [[Int]] == [[-1, -1, -1, 300, 301, -1, -1, 302, 303, 304, -1, -1]])
        #expect(rows["segments"] as? [[Int]] == [[1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 0, 0]])
        #expect(rows["regions"] as? [[Int]] == [[1, 1, 1, 2, 2, 1, 1, 2, 2, 2, 0, 0]])
        #expect(rows["configurations"] as? [[Int]] == [[3, 5]])
        #expect(rows["names"] as? [String] == ["a", "b", "c", "d", "e", "f"])
    }

    /// docs/FORMATS.md shows the docstring (usage) of the reader that the test runs.
    @Test func theFormatsPageShowsTheTestedReader() throws {
        let page = try String(contentsOf: repoRoot.appendingPathComponent("docs/FORMATS.md"), encoding: .utf8)
        let reader = try String(contentsOf: repoRoot.appendingPathComponent("Pipelines/python/birdie_streams.py"), encoding: .utf8)
        let parts = reader.components(separatedBy: "\"\"\"")
        try #require(parts.count >= 3, "birdie_streams.py starts with a docstring")
        #expect(page.contains("```python\n\"\"\"" + parts[1] + "\"\"\"\n```"))
    }

    @Test func corruptThenPackIsDeterministicAndReadableFromNumpy() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try tokenDocuments(randomDocuments(40, lengths: 20...3000, seed: 1)).write(to: folder.appendingPathComponent("docs.tok"))
        for (name, seed) in [("a", "3"), ("b", "3"), ("c", "4")] {
            // The same arguments (they are recorded in the stream), then renamed.
            let r = try run("corrupt", ["docs.tok", "--mixture", "light", "--length", "512", "--seed", seed, "-o", "out.smpl"], in: folder)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("class shares"))
            try FileManager.default.moveItem(at: folder.appendingPathComponent("out.smpl"), to: folder.appendingPathComponent("\(name).smpl"))
        }
        let a = try Data(contentsOf: folder.appendingPathComponent("a.smpl"))
        #expect(a == (try Data(contentsOf: folder.appendingPathComponent("b.smpl"))), "same seed, same bytes")
        #expect(a != (try Data(contentsOf: folder.appendingPathComponent("c.smpl"))))
        let p = try run("pack", ["a.smpl", "-o", "a.pack"], in: folder)
        #expect(p.status == 0, "\(p.stderr)")
        // The same through pipes, from stdin to stdout.
        let piped = try run("bash", ["-c", "set -o pipefail; corrupt --mixture light --length 512 --seed 3 < docs.tok | pack > piped.pack"], in: folder)
        #expect(piped.status == 0, "\(piped.stderr)")

        let rows = try pythonRows(folder.appendingPathComponent("a.pack"), in: folder)
        let pipedRows = try pythonRows(folder.appendingPathComponent("piped.pack"), in: folder)
        let tokens = try #require(rows["tokens"] as? [[Int]]), labels = try #require(rows["labels"] as? [[Int]])
        let segments = try #require(rows["segments"] as? [[Int]]), regions = try #require(rows["regions"] as? [[Int]])
        #expect(pipedRows["tokens"] as? [[Int]] == tokens && pipedRows["labels"] as? [[Int]] == labels)
        #expect(p.stderr.contains("in \(tokens.count) rows of 512"), "\(p.stderr)")
        #expect((rows["names"] as? [String]) == (try ToolRunner.gridNames("light")))
        for i in tokens.indices {
            #expect(tokens[i].count == 512)
            for t in 0..<512 where regions[i][t] == 2 {
                let first = t == 0 || regions[i][t - 1] != 2 || segments[i][t - 1] != segments[i][t]
                #expect((tokens[i][t] == 1) == first, "START opens each causal region")
                if t + 1 < 512 && segments[i][t + 1] == segments[i][t] { #expect(labels[i][t] == tokens[i][t + 1]) }
            }
        }
    }

    @Test func badInputExits65WithAClearMessageAndNoOutput() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func expect65(_ tool: String, _ arguments: [String], _ fragment: String) throws {
            let r = try run(tool, arguments + ["-o", "out"], in: folder)
            #expect(r.status == 65, "\(tool) \(arguments): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(fragment), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), "nothing half-written")
        }
        let good = randomDocuments(5, lengths: 500...900, seed: 2)
        try tokenDocuments(good).write(to: folder.appendingPathComponent("good.tok"))
        try tokenDocuments(good + [[170, 5000, 171]], vocabulary: 1000).write(to: folder.appendingPathComponent("outside.tok"))
        try tokenDocuments(good + [[170, 3, 171]]).write(to: folder.appendingPathComponent("reserved.tok"))
        try tokenDocuments([]).write(to: folder.appendingPathComponent("empty.tok"))
        try Data().write(to: folder.appendingPathComponent("zero.tok"))
        try tokenDocuments(good).dropLast(30).write(to: folder.appendingPathComponent("truncated.tok"))
        try Data(#"{"grid": "light", "mixture": {"next-token": 0.5, "no-such-objective": 0.5}}"#.utf8).write(to: folder.appendingPathComponent("unknown.json"))
        try Data(#"{"grid": "light", "mixture": {"next-token": 0.5, "copy-l64-256": 0.4}}"#.utf8).write(to: folder.appendingPathComponent("sum.json"))

        try expect65("corrupt", ["outside.tok"], "outside.tok")
        try expect65("corrupt", ["reserved.tok"], "reserved")
        try expect65("corrupt", ["empty.tok"], "no documents")
        try expect65("corrupt", ["zero.tok"], "empty")
        try expect65("corrupt", ["truncated.tok"], "truncated.tok")
        try expect65("corrupt", ["good.tok", "--mixture", "unknown.json"], "unknown configuration \"no-such-objective\"")
        try expect65("corrupt", ["good.tok", "--mixture", "sum.json"], "sum to 0.9")
        try expect65("pack", ["good.tok"], "is a token-document stream, not a objective-sample stream")
        let noSamples = stream("BIRDSMPL", vocabulary: 1000, fields: [StreamField(name: "configuration", dtype: 2, tokens: false),
            StreamField(name: "input", dtype: 2, tokens: true), StreamField(name: "target", dtype: 2, tokens: true)],
            records: [], extra: ["row-length": "64"])
        try noSamples.write(to: folder.appendingPathComponent("none.smpl"))
        try expect65("pack", ["none.smpl"], "holds no samples")
    }

    /// tokenize encode ... | corrupt ... | pack ...: memory stays flat however long the stream.
    @Test func pipesRunInBoundedMemory() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try tokenDocuments(randomDocuments(400, lengths: 5000...10000, seed: 5)).write(to: folder.appendingPathComponent("big.tok"))
        let r = try run("bash", ["-c", "set -o pipefail; corrupt --progress never --mixture birdie --length 2048 < big.tok | pack --progress never > rows.pack"], in: folder)
        #expect(r.status == 0, "\(r.stderr)")
        let peaks = r.stderr.split(separator: "\n").compactMap { line -> Double? in
            guard let range = line.range(of: "peak memory ") else { return nil }
            return Double(line[range.upperBound...].split(separator: " ")[0])
        }
        #expect(peaks.count == 2, "\(r.stderr)")
        for peak in peaks { #expect(peak < 64, "peak memory \(peak) MB for a 3M-token stream: \(r.stderr)") }
    }

    /// The whole pipe from text, and --explain decoding samples like the paper's Table 1.
    @Test func tokenizeCorruptPackPipelineAndExplain() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let words = ["the", "bird", "sings", "over", "a", "quiet", "river", "while", "seven", "stones", "rest", "near", "old", "trees"]
        var text = ""
        for i in 0..<6000 { text += words[(i * 7 + i / 13) % words.count] + (i % 17 == 16 ? ".\n" : " ") }
        try Data(text.utf8).write(to: folder.appendingPathComponent("corpus.txt"))
        let train = try run("tokenize", ["train", "corpus.txt", "--vocab-size", "600", "-o", "tok.model", "-q"], in: folder)
        #expect(train.status == 0, "\(train.stderr)")
        let pipe = try run("bash", ["-c", "set -o pipefail; tokenize encode -q -m tok.model --input-format raw corpus.txt | corrupt -q --mixture ul2 --length 512 | pack -q > rows.pack"], in: folder)
        #expect(pipe.status == 0, "\(pipe.stderr)")
        let rows = try pythonRows(folder.appendingPathComponent("rows.pack"), in: folder)
        #expect((rows["tokens"] as? [[Int]])?.count ?? 0 > 5)
        #expect((rows["names"] as? [String])?.first == "ul2-r-sc-r15-m3")

        let encode = try run("tokenize", ["encode", "-q", "-m", "tok.model", "--input-format", "raw", "corpus.txt", "-o", "docs.tok"], in: folder)
        #expect(encode.status == 0, "\(encode.stderr)")
        let explain = try run("corrupt", ["docs.tok", "--explain", "-m", "tok.model", "--mixture", "light", "--length", "512", "--count", "12"], in: folder)
        #expect(explain.status == 0, "\(explain.stderr)")
        let out = String(decoding: explain.stdout, as: UTF8.self)
        #expect(out.components(separatedBy: "\nIn:  ").count == 13 && out.components(separatedBy: "\nTgt: ").count == 13, "\(out)")
        #expect(out.contains("[CLM]") || out.contains("[PLM]") || out.contains("[COPY]"))
        #expect(out.contains("bird"), "decoded text")
        let missing = try run("corrupt", ["docs.tok", "--explain"], in: folder)
        #expect(missing.status == 64, "--explain without a model is a usage error")
    }

    @Test func listsTheConfigurationsOfAMixture() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let r = try run("corrupt", ["--list-configurations", "--mixture", "birdie", "--length", "1024"], in: folder)
        #expect(r.status == 0)
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 105)
        #expect(lines.contains { $0.hasPrefix("0\tnext-token\tnext-token\t0.14285714285714") })
    }
}
