import Foundation

/// Fused softmax + cross-entropy over labelled positions.
/// logits: (rows, vocab)  labels: (rows) Int32, -1 = no label (ignored: no loss, zero gradient)
/// dLogits: (rows, vocab), OVERWRITTEN; it may be the logits buffer itself (saves memory; also the
///   way to evaluate a loss without a second buffer):
///   dLogits = gradScale * (softmax(logits) - onehot(label)) on labelled rows, 0 on ignored rows.
/// Returns the loss SUM (natural log, Double) and the number of labelled rows; the caller averages.
/// The engine's choice (docs/METHOD.md section 2 allows it): the mean over all labelled tokens of the
/// batch, i.e. gradScale = 1 / labelledCount(labels) and loss = sum / count.
public enum CrossEntropy {
    public static func labelledCount(labels: UnsafePointer<Int32>, rows: Int) -> Int {
        var n = 0
        for r in 0..<rows where labels[r] >= 0 { n += 1 }
        return n
    }

    public static func forwardBackward(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                       dLogits: UnsafeMutablePointer<Float>, gradScale: Float,
                                       rows: Int, vocab: Int) -> (lossSum: Double, count: Int) {
        // Fixed chunks, each summing its own loss; combined in chunk order (deterministic).
        let perChunk = max(1, (rows + 63) / 64)
        let chunks = (rows + perChunk - 1) / perChunk  // every chunk non-empty
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(chunks, 1)) { sums in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: max(chunks, 1)) { counts in
                Parallel.forEach(chunks, worthIt: rows * vocab >= 1 << 15) { c in
                    var loss = 0.0, count = 0
                    for r in c * perChunk..<min(rows, (c + 1) * perChunk) {
                        let z = logits + r * vocab
                        let label = Int(labels[r])
                        guard label >= 0 else {
                            (dLogits + r * vocab).update(repeating: 0, count: vocab)
                            continue
                        }
                        precondition(label < vocab, "label \(label) out of range 0..<\(vocab)")
                        let zmax = Reduce.max(z, vocab)
                        let zLabel = z[label]  // read before d (maybe z) is overwritten
                        // In place on d, through one pointer: a loop from z into d would get a runtime
                        // overlap check, and d == z (the model's case) falls to scalar code, 7x slower.
                        let d = dLogits + r * vocab
                        if d != z { d.update(from: z, count: vocab) }
                        for j in 0..<vocab { d[j] = FastMath.exp(d[j] - zmax) }
                        let sum = Reduce.sum(d, vocab)
                        let scale = gradScale / sum
                        for j in 0..<vocab { d[j] *= scale }
                        d[label] -= gradScale
                        loss += Double(zmax - zLabel) + Foundation.log(Double(sum))
                        count += 1
                    }
                    sums[c] = loss
                    counts[c] = count
                }
                var loss = 0.0, count = 0
                for c in 0..<chunks { loss += sums[c]; count += counts[c] }
                return (loss, count)
            }
        }
    }
}
