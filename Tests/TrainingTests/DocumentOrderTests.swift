import Formats
import Objectives
import Testing
import ToolSupport
@testable import Training

/// Documents 0..<n, document i being [i] (so a drawn document names its index).
private func numbered(_ n: Int) -> [[Int32]] { (0..<n).map { [Int32($0)] } }

private func draw(_ docs: inout ShuffledDocuments, _ count: Int) -> [Int] {
    (0..<count).map { _ in Int(docs.next()![0]) }
}

@Suite struct DocumentOrderTests {
    @Test func everyPassIsAPermutationOfTheDocuments() {
        var docs = ShuffledDocuments(numbered(37), seed: 9)
        for _ in 0..<4 { #expect(draw(&docs, 37).sorted() == Array(0..<37)) }
    }

    @Test func passesDifferFromFileOrderAndFromEachOther() {
        var docs = ShuffledDocuments(numbered(50), seed: 9)
        let first = draw(&docs, 50), second = draw(&docs, 50)
        #expect(first != Array(0..<50))
        #expect(first != second)
    }

    @Test func theOrderIsAFunctionOfTheSeed() {
        var a = ShuffledDocuments(numbered(40), seed: 3), b = ShuffledDocuments(numbered(40), seed: 3)
        var c = ShuffledDocuments(numbered(40), seed: 4)
        let fromA = draw(&a, 120)
        #expect(fromA == draw(&b, 120))
        #expect(fromA != draw(&c, 120))
    }

    /// A resumed run seeks to its position; the rows after it must be the uninterrupted run's, also
    /// past a pass boundary (the corpus here is short, so a few batches cross several passes).
    @Test func seekReplaysTheStreamAcrossPasses() throws {
        let path = temporaryFolder() + "/docs.tok"
        let writer = try TokenDocumentWriter(path: path, vocabularySize: 416, provenance: Provenance(tool: "test"))
        for i in 0..<30 { try writer.append((0..<(40 + i % 7)).map { Int32(160 + ($0 * 31 + i * 7) % 256) }) }
        try writer.finish()
        let mixture = try Mixture.resolve("clm")
        let a = try CorpusSource(path: path, mixture: mixture, length: 128, seed: 11)
        for _ in 0..<6 { _ = try a.next(batch: 4, length: 128) }
        #expect(a.documents.pass >= 1)
        let b = try CorpusSource(path: path, mixture: mixture, length: 128, seed: 11)
        try b.seek(a.position)
        for _ in 0..<6 { #expect(try a.next(batch: 4, length: 128).tokens == b.next(batch: 4, length: 128).tokens) }
    }
}
