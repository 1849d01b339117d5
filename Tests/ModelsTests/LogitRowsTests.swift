import Foundation
import Testing
@testable import Models

/// `logits(_:rows:)` gives the listed rows of `logits(_:)`, without the logits of every position:
/// scoring a long prompt needs the last position's only (issue 24, item 4).
@Suite(.serialized) struct LogitRowsTests {
    static let models = ModelKind.allCases

    @Test(arguments: models)
    func listedRowsAreTheWholeProjectionsRows(_ kind: ModelKind) throws {
        let config = try #require(ModelConfig.preset("tiny", kind: kind, vocab: 300, bidirectional: true))
        let model = Model(config, seed: 5)
        let b = makeBatch([[(prefix: 30, target: 10)], [(prefix: 12, target: 20)]], length: 48, vocab: 300, seed: 9)
        let all = model.logits(b), v = config.vocab
        let rows = [47, 0, 30, 95, 48, 31]
        let picked = model.logits(b, rows: rows)
        #expect(picked.count == rows.count * v)
        for (k, row) in rows.enumerated() {
            #expect(Array(picked[(k * v)..<((k + 1) * v)]) == Array(all[(row * v)..<((row + 1) * v)]), "row \(row)")
        }
        // Past the whole projection's size, the rows are projected alone (blocks of logitBlock):
        // the same numbers to rounding.
        let many = rows + (0..<(Model.logitBlock + 3)).map { ($0 * 7) % 96 }   // more than one block
        let blocked = model.logits(b, rows: many, wholeProjection: 0)
        #expect(blocked.count == many.count * v)
        for (k, row) in many.enumerated() {
            for j in 0..<v {
                let a = blocked[k * v + j], e = all[row * v + j]
                #expect(abs(a - e) <= 1e-4 * max(1, abs(e)), "row \(row) column \(j): \(a) vs \(e)")
            }
        }
    }

    /// Greedy decoding of a long prompt keeps the logits of one position: the decoder's first
    /// logits are the whole forward's last row.
    @Test func decoderStartsFromTheLastRow() throws {
        let config = try #require(ModelConfig.preset("tiny", kind: .hawk, vocab: 300, bidirectional: true))
        let model = Model(config, seed: 3)
        let prefix = (0..<200).map { Int32(3 + $0 % 290) }
        let t = prefix.count + 1
        let batch = PackedBatch(batch: 1, length: t, tokens: prefix + [1], labels: .init(repeating: -1, count: t),
                                segments: .init(repeating: 1, count: t),
                                regions: .init(repeating: Region.prefix.rawValue, count: prefix.count) + [Region.causal.rawValue])
        let all = model.logits(batch)
        let first = Decoder(model).start(prefix: prefix)
        #expect(first == Array(all[((t - 1) * 300)...]))
    }
}
