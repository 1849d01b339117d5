import Vocabulary
import Randomness

/// The seven objective classes of the Birdie pool (docs/METHOD.md 3). The controller scales rewards per
/// class; each class has its own paradigm token.
public enum ObjectiveClass: String, CaseIterable, Codable, Sendable {
    case nextToken = "next-token"
    case prefixLM = "prefix-lm"
    case spanCorruption = "span-corruption"
    case autoencoding = "autoencoding"          // full span corruption, with or without deshuffling
    case deshuffling = "deshuffling"
    case copying = "copying"
    case selectiveCopying = "selective-copying"

    public var paradigm: SpecialToken {
        switch self {
        case .nextToken: .paradigmNextToken
        case .prefixLM: .paradigmPrefixLM
        case .spanCorruption: .paradigmInfilling
        case .autoencoding: .paradigmAutoencoding
        case .deshuffling: .paradigmDeshuffling
        case .copying: .paradigmCopying
        case .selectiveCopying: .paradigmSelectiveCopying
        }
    }
}

/// T5 noise parameters: the fraction of tokens masked and the mean length of a masked span.
public struct SpanNoise: Sendable, Equatable {
    public var rate: Double
    public var meanSpan: Double
    public init(rate: Double, meanSpan: Double) { self.rate = rate; self.meanSpan = meanSpan }
}

/// Selective-copying parameters (docs/METHOD.md 3): how many spans to copy, their lengths, the delimiter
/// lengths, and whether the query comes before or after the context.
public struct SelectiveCopyingSpec: Sendable, Equatable {
    public enum Query: String, Sendable, Codable { case before, after }
    public var spans: Int
    public var spanLength: ClosedRange<Int>
    public var delimiterLength: ClosedRange<Int>
    public var query: Query
    public init(spans: Int, spanLength: ClosedRange<Int> = 4...32, delimiterLength: ClosedRange<Int> = 1...8,
                query: Query) {
        self.spans = spans; self.spanLength = spanLength; self.delimiterLength = delimiterLength; self.query = query
    }
}

/// The objectives by the name grid files use ("objective": NAME, docs/FORMATS.md): the one list a
/// grid entry is read against. Grid.swift builds an `Objective` from an entry by an exhaustive
/// switch over these, and `Objective.name` maps back, so a new objective without a grid name, or
/// a name without a way to build it from an entry, does not compile.
public enum ObjectiveName: String, CaseIterable, Sendable {
    case nextToken = "next-token"
    case prefixLM = "prefix-lm"
    case spanCorruption = "span-corruption"
    case fullSpanCorruption = "full-span-corruption"
    case deshuffling = "deshuffling"
    case copying = "copying"
    case selectiveCopying = "selective-copying"

    /// The class of the objective: the one mapping objective -> class. Grid files carry it for the
    /// readers that cannot link this library (the critic; Pipelines/grids/make-objective-grids.py
    /// reads it from `corrupt --list-objectives`).
    public var objectiveClass: ObjectiveClass {
        switch self {
        case .nextToken: .nextToken
        case .prefixLM: .prefixLM
        case .spanCorruption: .spanCorruption
        case .fullSpanCorruption: .autoencoding     // with or without deshuffling (docs/METHOD.md 3.1)
        case .deshuffling: .deshuffling
        case .copying: .copying
        case .selectiveCopying: .selectiveCopying
        }
    }
}

/// One objective with its parameters: a pure function (text, rng) -> (input, target), without the
/// paradigm token (a `Configuration` adds it).
public enum Objective: Sendable, Equatable {
    case nextToken
    case prefixLM
    case spanCorruption(SpanNoise)
    case fullSpanCorruption(SpanNoise, deshuffle: Bool)
    case deshuffling(fraction: Double)
    case copying
    case selectiveCopying(SelectiveCopyingSpec)

    /// The name grid files use for this objective.
    public var name: ObjectiveName {
        switch self {
        case .nextToken: .nextToken
        case .prefixLM: .prefixLM
        case .spanCorruption: .spanCorruption
        case .fullSpanCorruption: .fullSpanCorruption
        case .deshuffling: .deshuffling
        case .copying: .copying
        case .selectiveCopying: .selectiveCopying
        }
    }

    public var objectiveClass: ObjectiveClass { name.objectiveClass }

    /// The fewest text tokens the objective can work with.
    public var minimumTextLength: Int {
        switch self {
        case .nextToken, .copying: 1
        case .prefixLM: 8                       // prefix and suffix of at least 4 tokens
        case .spanCorruption, .fullSpanCorruption: 2   // at least one clean and one noise token
        case .deshuffling: 4
        case .selectiveCopying(let s): s.spans * (s.spanLength.lowerBound + 1) + 1
        }
    }

    /// Row positions (input + paradigm + target) a sample from `n` text tokens uses at most.
    /// Exact except for selective copying, where it assumes the longest spans and delimiters.
    public func sampleLength(textLength n: Int) -> Int {
        switch self {
        case .nextToken, .prefixLM:
            return 1 + n
        case .spanCorruption(let noise):
            return 1 + n + 2 * NoiseSpans.spanCount(n: n, noise)
        case .fullSpanCorruption(let noise, _):
            let count = NoiseSpans.noiseCount(n: n, rate: noise.rate)
            return 1 + (n - count + NoiseSpans.spanCount(n: n, noise)) + n
        case .deshuffling, .copying:
            return 1 + 2 * n
        case .selectiveCopying(let s):
            // paradigm, COPY, CONTEXT; per span START-SPAN, END-SPAN and two delimiters in the
            // input and the span plus a separator (or DONE) in the target.
            let perSpan = 2 + 2 * s.delimiterLength.upperBound + s.spanLength.upperBound + 1
            return 3 + n + s.spans * perSpan
        }
    }

    /// Applies the objective to `text` (at least `minimumTextLength` tokens).
    public func apply(to text: ArraySlice<TokenID>, rng: inout Xoshiro256StarStar) -> (input: [TokenID], target: [TokenID]) {
        precondition(text.count >= minimumTextLength, "\(self): \(text.count) tokens, needs \(minimumTextLength)")
        switch self {
        case .nextToken:
            return ([], Array(text))
        case .prefixLM:
            let split = PrefixLM.split(n: text.count, rng: &rng)
            return (Array(text.prefix(split)), Array(text.dropFirst(split)))
        case .spanCorruption(let noise):
            let layout = NoiseSpans.draw(n: text.count, noise, rng: &rng)
            return (layout.corruptedInput(text), layout.infillingTarget(text))
        case .fullSpanCorruption(let noise, let deshuffle):
            let layout = NoiseSpans.draw(n: text.count, noise, rng: &rng)
            let input = deshuffle ? layout.shuffledInput(text, rng: &rng) : layout.corruptedInput(text)
            return (input, Array(text))
        case .deshuffling(let fraction):
            return (Deshuffling.shuffle(text, fraction: fraction, rng: &rng), Array(text))
        case .copying:
            return (Array(text), Array(text))
        case .selectiveCopying(let spec):
            return SelectiveCopying.make(text, spec, rng: &rng)
        }
    }
}

enum PrefixLM {
    /// The split k, uniform in [max(4, ceil(n/2)), n-4]: a prefix of k tokens, a suffix of n-k.
    static func split(n: Int, rng: inout Xoshiro256StarStar) -> Int {
        rng.uniform(max(4, (n + 1) / 2)...(n - 4))
    }
}

enum Deshuffling {
    /// Permutes round(n * fraction) randomly chosen positions among themselves with a random cyclic
    /// permutation (Sattolo), so every chosen position receives another position's token.
    static func shuffle(_ text: ArraySlice<TokenID>, fraction: Double, rng: inout Xoshiro256StarStar) -> [TokenID] {
        var out = Array(text)
        let n = out.count
        let m = min(n, Int((Double(n) * fraction).rounded()))
        guard m >= 2 else { return out }
        let positions = m == n ? Array(0..<n) : RandomSubset.sorted(m, of: n, rng: &rng)
        var values = positions.map { out[$0] }
        var i = m - 1
        while i > 0 {
            values.swapAt(i, rng.below(i))
            i -= 1
        }
        for (p, v) in zip(positions, values) { out[p] = v }
        return out
    }
}

enum RandomSubset {
    /// `k` distinct numbers from 0..<n in increasing order (Floyd's algorithm over a bitmap).
    static func sorted(_ k: Int, of n: Int, rng: inout Xoshiro256StarStar) -> [Int] {
        precondition(k >= 0 && k <= n)
        var chosen = [Bool](repeating: false, count: n)
        var j = n - k
        while j < n {
            let t = rng.below(j + 1)
            if chosen[t] { chosen[j] = true } else { chosen[t] = true }
            j += 1
        }
        var out = [Int]()
        out.reserveCapacity(k)
        for i in 0..<n where chosen[i] { out.append(i) }
        return out
    }

    /// Splits `total` items into `parts` positive lengths, uniformly over all such compositions.
    static func composition(_ total: Int, parts: Int, rng: inout Xoshiro256StarStar) -> [Int] {
        precondition(parts >= 1 && parts <= total)
        let cuts = sorted(parts - 1, of: total - 1, rng: &rng)   // cut after item c (c in 0..<total-1)
        var lengths = [Int]()
        lengths.reserveCapacity(parts)
        var previous = 0
        for c in cuts {
            lengths.append(c + 1 - previous)
            previous = c + 1
        }
        lengths.append(total - previous)
        return lengths
    }
}
