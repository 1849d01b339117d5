import Foundation
import Randomness
import Testing
@testable import Tokenizer
import Formats
import Vocabulary

/// Multilingual text with emoji, CRLF, NUL, long lines and long runs, generated deterministically.
func generatedText(seed: UInt64, documents: Int) -> [[UInt8]] {
    let words = ["the", "and", "of", "to", "Shakespeare", "naïve", "café", "Привет", "мир", "こんにちは", "世界",
                 "مرحبا", "שלום", "नमस्ते", "😀", "👩🏽‍💻", "🎉", "don't", "it's", "3.14159", "2024", "Ⅻ", "½",
                 "\u{0}", "\t", "\r\n", "\n", "  ", "x=y;", "{\"k\": [1, 2]}", "—", "\u{00A0}", "\u{3000}"]
    var rng = SplitMix64(seed: seed)
    return (0..<documents).map { d in
        if d == 0 { return [] }
        var s = ""
        for _ in 0..<(rng.below(60, by: .modulo) + 1) { s += words[rng.below(words.count, by: .modulo)] + (rng.below(3, by: .modulo) == 0 ? "" : " ") }
        if d % 7 == 0 { s += String(repeating: "abc", count: 5000) }        // a very long line
        if d % 11 == 0 { s += String(repeating: "=", count: 3000) }         // a very long piece
        return Array(s.utf8)
    }
}

func trainModel(_ docs: [[UInt8]], vocabularySize: Int, minFrequency: Int = 2) throws -> BPEModel {
    let t = BPETrainer(vocabularySize: vocabularySize, minFrequency: minFrequency)
    for d in docs { t.add(d) }
    return try BPEModel(merges: t.train(), training: TrainingInfo(requestedVocabularySize: vocabularySize))
}

@Suite struct BPETests {
    @Test func roundTripsAnyBytes() throws {
        let docs = generatedText(seed: 1, documents: 80)
        let model = try trainModel(docs, vocabularySize: 900)
        #expect(model.vocabularySize > 600)
        let encoder = BPEEncoder(model: model)
        var rng = SplitMix64(seed: 2)
        let randomBytes = (0..<30).map { n in (0..<(n * 37)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        for doc in docs + randomBytes {
            let ids = encoder.encode(doc)
            #expect(model.decode(ids) == doc)
            #expect(!ids.contains { Vocabulary.isSpecial($0) || Int($0) >= model.vocabularySize })
        }
        // Merging actually compresses the text it was trained on (long runs are left out of training).
        let plain = docs.indices.filter { $0 % 7 != 0 && $0 % 11 != 0 }.map { docs[$0] }
        let total = plain.reduce(0) { $0 + $1.count }, tokens = plain.reduce(0) { $0 + encoder.encode($1).count }
        #expect(Double(total) / Double(tokens) > 2)
    }

    @Test func cacheDoesNotChangeResults() throws {
        let docs = generatedText(seed: 3, documents: 30)
        let model = try trainModel(docs, vocabularySize: 700)
        let cached = BPEEncoder(model: model), tiny = BPEEncoder(model: model, cacheEntries: 3)
        for d in docs + docs { #expect(cached.encode(d) == tiny.encode(d)) }
    }

    /// The heap merge (long pieces) and the scan merge (short ones) agree on every piece.
    @Test func heapAndScanMergeAgree() throws {
        let docs = generatedText(seed: 4, documents: 40)
        let model = try trainModel(docs, vocabularySize: 1000, minFrequency: 1)
        let encoder = BPEEncoder(model: model)
        var rng = SplitMix64(seed: 5)
        let alphabet = Array("abcab=  éé😀".utf8)
        for n in [2, 5, 17, 40, 64] {
            for _ in 0..<50 {
                let piece = (0..<n).map { _ in alphabet[rng.below(alphabet.count, by: .modulo)] }
                var scan: [TokenID] = []
                piece.withUnsafeBytes { encoder.mergePiece($0, into: &scan) }
                let heap = piece.withUnsafeBytes { BPEEncoder.mergeWithHeap($0, model.pairs) }
                #expect(scan == heap, "\(piece)")
            }
        }
    }

    /// The trainer's incremental counts give the same merges as recounting every pair each step.
    @Test func trainerMatchesBruteForce() throws {
        let docs = generatedText(seed: 6, documents: 25).map { Array($0.prefix(300)) }
        let fast = try trainModel(docs, vocabularySize: 416 + 120, minFrequency: 2).merges
        // Brute force over the same piece counts.
        var counts: [[UInt8]: Int] = [:]
        for d in docs { for p in pieces(d) where p.count >= 2 && p.count <= 256 { counts[p, default: 0] += 1 } }
        var words = counts.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { ($0.map { Vocabulary.byteBase + TokenID($0) }, counts[$0]!) }
        var slow: [Merge] = []
        while slow.count < 120 {
            var pairCounts: [Merge: Int] = [:]
            for (w, c) in words { for i in 0..<max(0, w.count - 1) { pairCounts[Merge(w[i], w[i + 1]), default: 0] += c } }
            guard let best = pairCounts.max(by: { a, b in
                a.value != b.value ? a.value < b.value : (a.key.left, a.key.right) > (b.key.left, b.key.right)
            }), best.value >= 2 else { break }
            let id = BPEModel.firstMergeID + TokenID(slow.count)
            slow.append(best.key)
            words = words.map { (w, c) in
                var out: [TokenID] = [], i = 0
                while i < w.count {
                    if i + 1 < w.count && w[i] == best.key.left && w[i + 1] == best.key.right { out.append(id); i += 2 } else { out.append(w[i]); i += 1 }
                }
                return (out, c)
            }
        }
        #expect(fast == slow)
        #expect(fast.count == 120)
    }

    @Test func modelFileIsDeterministicAndSelfTested() throws {
        let docs = generatedText(seed: 7, documents: 40)
        let p = Provenance(tool: "test", arguments: ["x"])
        let a = try trainModel(docs, vocabularySize: 800).fileBytes(provenance: p, sample: docs[1])
        let b = try trainModel(docs, vocabularySize: 800).fileBytes(provenance: p, sample: docs[1])
        #expect(a == b)
        let loaded = try BPEModel.load(data: Data(a), name: "m")
        let again = try trainModel(docs, vocabularySize: 800)
        #expect(loaded.vocabularySize <= 800 && loaded.merges == again.merges)
        #expect(loaded.fileBytes(provenance: p, sample: docs[1]) == a)

        // Swapping two merges keeps the file well formed but changes how the sample encodes.
        var json = try JSONSerialization.jsonObject(with: Data(a)) as! [String: Any]
        var merges = json["merges"] as! [[Int]]
        merges.swapAt(0, 1)
        json["merges"] = merges
        let tampered = try JSONSerialization.data(withJSONObject: json)
        #expect(loadError(tampered)?.contains("self-test failed") == true)

        json["version"] = 2
        let newer = try JSONSerialization.data(withJSONObject: json)
        #expect(loadError(newer)?.contains("newer model format version 2") == true)
        #expect(loadError(Data("hello".utf8))?.contains("not a tokenizer model") == true)
    }
}

/// The message of the error loading `data` gives, or nil when it loads.
func loadError(_ data: Data) -> String? {
    do { _ = try BPEModel.load(data: data, name: "m"); return nil } catch { return "\(error)" }
}
