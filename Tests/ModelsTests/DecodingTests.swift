import Testing
@testable import Models

@Suite struct DecodingTests {
    /// Greedy generation one token at a time gives the same logits (and so the same argmax) as a
    /// full forward over the prompt and the generated tokens.
    @Test(arguments: IsolationTests.cases)
    func stepByStepEqualsFullForward(_ kind: ModelKind, _ bidirectional: Bool) {
        let model = Model(tinyConfig(kind, bidirectional: bidirectional), seed: 8)
        let v = model.config.vocab
        let prefix: [Int32] = [5, 9, 12, 7, 30, 4]
        let decoder = Decoder(model)
        var logits = [decoder.start(prefix: prefix)]
        var generated: [Int32] = []
        func argmax(_ l: [Float]) -> Int32 { Int32(l.indices.max { l[$0] < l[$1] }!) }
        for _ in 0..<6 {
            generated.append(argmax(logits.last!))
            logits.append(decoder.step(generated.last!))
        }
        let n = prefix.count + 1 + generated.count
        let batch = PackedBatch(batch: 1, length: n, tokens: prefix + [1] + generated, labels: .init(repeating: -1, count: n),
                                segments: .init(repeating: 1, count: n),
                                regions: .init(repeating: Region.prefix.rawValue, count: prefix.count)
                                    + .init(repeating: Region.causal.rawValue, count: generated.count + 1))
        let full = model.logits(batch)
        var worst: Float = 0
        for (k, l) in logits.enumerated() {
            let t = prefix.count + k
            for j in 0..<v { worst = max(worst, abs(full[t * v + j] - l[j])) }
            #expect(argmax(Array(full[(t * v)..<((t + 1) * v)])) == argmax(l))
        }
        #expect(worst < 1e-4, "\(kind) \(bidirectional): step-by-step differs by \(worst)")
    }
}
