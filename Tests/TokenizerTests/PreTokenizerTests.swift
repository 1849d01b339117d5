import Foundation
import Randomness
import Testing
@testable import Tokenizer

func pieces(_ bytes: [UInt8]) -> [[UInt8]] {
    var out: [[UInt8]] = []
    bytes.withUnsafeBytes { b in PreTokenizer.split(b) { s, e in out.append(Array(b[s..<e])) } }
    return out
}

@Suite struct PreTokenizerTests {
    struct Case: Decodable { let text: String; let pieces: [String] }

    /// Splits agree with GPT-2's pattern run by Python's `regex` (Tests/Fixtures/tokenizer/make_gpt2_splits.py).
    @Test func matchesGPT2Pattern() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/tokenizer/gpt2_splits.jsonl")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines.count > 400)
        for line in lines {
            let c = try JSONDecoder().decode(Case.self, from: Data(line.utf8))
            let got = pieces(Array(c.text.utf8)).map { String(decoding: $0, as: UTF8.self) }
            #expect(got == c.pieces, "\(c.text.debugDescription)")
        }
    }

    /// Any bytes, valid UTF-8 or not, are tiled exactly by the pieces.
    @Test func piecesTileAnyBytes() {
        var rng = SplitMix64(seed: 11)
        for length in [0, 1, 2, 3, 7, 100, 5000] {
            for _ in 0..<20 {
                let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                let p = pieces(bytes)
                #expect(Array(p.joined()) == bytes)
                #expect(p.allSatisfy { !$0.isEmpty })
            }
        }
    }

    @Test func invalidUTF8IsOneOtherCharacterPerByte() {
        // A lone continuation byte, an overlong form, a surrogate, a truncated sequence.
        #expect(pieces([0x61, 0x80, 0x62]) == [[0x61], [0x80], [0x62]])
        #expect(pieces([0x20, 0xC0, 0xAF]) == [[0x20, 0xC0, 0xAF]])
        #expect(pieces([0xED, 0xA0, 0x80]) == [[0xED, 0xA0, 0x80]])
        #expect(pieces([0x61, 0xE4, 0xB8]) == [[0x61], [0xE4, 0xB8]])
    }
}
