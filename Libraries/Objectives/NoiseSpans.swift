import Vocabulary
import Randomness

/// T5's noise-span layout (docs/METHOD.md 3): an exact number of noise tokens in an exact number of
/// spans, alternating clean, noise, clean, noise, ... and starting with clean text.
struct NoiseSpans {
    var clean: [Int]   // lengths of the clean parts, one per span
    var noise: [Int]   // lengths of the noise spans

    /// noise = round(n * rate) clamped to [1, n-1] (halves round away from zero).
    static func noiseCount(n: Int, rate: Double) -> Int {
        min(max(Int((Double(n) * rate).rounded()), 1), n - 1)
    }

    /// spans = max(1, round(noise / mean)), clamped so that every clean and noise part has a token
    /// and the sentinels (numbered in order of appearance) do not run out.
    static func spanCount(n: Int, _ p: SpanNoise) -> Int {
        let noise = noiseCount(n: n, rate: p.rate)
        let spans = max(1, Int((Double(noise) / p.meanSpan).rounded()))
        return min(spans, noise, n - noise, Vocabulary.sentinelCount)
    }

    static func draw(n: Int, _ p: SpanNoise, rng: inout Xoshiro256StarStar) -> NoiseSpans {
        let noise = noiseCount(n: n, rate: p.rate)
        let spans = spanCount(n: n, p)
        let noiseLengths = RandomSubset.composition(noise, parts: spans, rng: &rng)
        let cleanLengths = RandomSubset.composition(n - noise, parts: spans, rng: &rng)
        return NoiseSpans(clean: cleanLengths, noise: noiseLengths)
    }

    /// Text with each noise span replaced by its sentinel: clean0 s0 clean1 s1 ...
    func corruptedInput(_ text: ArraySlice<TokenID>) -> [TokenID] {
        var out = [TokenID]()
        out.reserveCapacity(text.count - noise.reduce(0, +) + noise.count)
        var at = text.startIndex
        for i in 0..<noise.count {
            out.append(contentsOf: text[at..<at + clean[i]])
            out.append(Vocabulary.sentinel(i))
            at += clean[i] + noise[i]
        }
        return out
    }

    /// For each span, its tokens then its sentinel.
    func infillingTarget(_ text: ArraySlice<TokenID>) -> [TokenID] {
        var out = [TokenID]()
        out.reserveCapacity(noise.reduce(0, +) + noise.count)
        var at = text.startIndex
        for i in 0..<noise.count {
            at += clean[i]
            out.append(contentsOf: text[at..<at + noise[i]])
            out.append(Vocabulary.sentinel(i))
            at += noise[i]
        }
        return out
    }

    /// The corrupted input cut into pieces (the leading clean text, then each sentinel with the
    /// clean text after it) and the pieces put in a random order other than the original one.
    func shuffledInput(_ text: ArraySlice<TokenID>, rng: inout Xoshiro256StarStar) -> [TokenID] {
        // Piece 0 is clean[0]; piece i+1 is sentinel i followed by clean[i+1] (empty after the last).
        var order = Array(0...noise.count)
        rng.shuffle(&order)
        if order.elementsEqual(0...noise.count) {
            // Never hand back the original order: swap two different pieces (there are always >= 2).
            let a = rng.below(order.count)
            let b = (a + 1 + rng.below(order.count - 1)) % order.count
            order.swapAt(a, b)
        }
        var starts = [Int](repeating: 0, count: noise.count + 1)   // text offset of each clean part
        var at = text.startIndex
        for i in 0..<noise.count {
            starts[i] = at
            at += clean[i] + noise[i]
        }
        var out = [TokenID]()
        out.reserveCapacity(text.count)
        for piece in order {
            if piece == 0 {
                out.append(contentsOf: text[starts[0]..<starts[0] + clean[0]])
            } else {
                out.append(Vocabulary.sentinel(piece - 1))
                if piece < noise.count {
                    out.append(contentsOf: text[starts[piece]..<starts[piece] + clean[piece]])
                }
            }
        }
        return out
    }
}
