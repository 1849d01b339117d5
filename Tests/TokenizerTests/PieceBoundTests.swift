import Foundation
import Testing
@testable import Tokenizer

/// A run of one class longer than PreTokenizer.maxPieceBytes is cut into pieces of at most that
/// many bytes, at character boundaries, so encoding 200 MB without a space keeps its memory
/// bounded (issue 24, item 4); shorter runs split as before.
@Suite struct PieceBoundTests {
    func check(_ text: [UInt8]) {
        let split = pieces(text)
        #expect(split.joined().elementsEqual(text), "the pieces tile the text")
        #expect(split.allSatisfy { $0.count <= PreTokenizer.maxPieceBytes }, "longest \(split.map(\.count).max() ?? 0)")
        #expect(split.allSatisfy { String(validating: $0, as: UTF8.self) != nil }, "cut at character boundaries")
    }

    @Test func longRunsAreCutAtTheBound() {
        let bound = PreTokenizer.maxPieceBytes
        check([UInt8](repeating: UInt8(ascii: "a"), count: 3 * bound + 17))
        check([UInt8](repeating: UInt8(ascii: " "), count: 2 * bound + 5) + Array("x".utf8))
        check([UInt8](repeating: UInt8(ascii: "7"), count: bound + 1))
        check(Array(String(repeating: "é", count: bound).utf8) + Array(" end".utf8))   // two bytes each
        check(Array(String(repeating: "€", count: bound / 2).utf8))                   // three bytes each
        // At the bound exactly: one piece, as before.
        #expect(pieces([UInt8](repeating: UInt8(ascii: "b"), count: bound)).count == 1)
        #expect(pieces(Array(" ".utf8) + [UInt8](repeating: UInt8(ascii: "b"), count: bound - 1)).count == 1)
    }

    @Test func encodingALongRunKeepsItsBytes() throws {
        let model = try trainModel(generatedText(seed: 3, documents: 50) + [Array(String(repeating: "qq ", count: 50).utf8)],
                                   vocabularySize: 600)
        let text = [UInt8](repeating: UInt8(ascii: "q"), count: 5 * PreTokenizer.maxPieceBytes + 3)
        let ids = BPEEncoder(model: model).encode(text)
        #expect(model.decode(ids) == text)
    }
}
