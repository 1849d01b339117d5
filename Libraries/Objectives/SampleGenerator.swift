import ToolSupport
import Vocabulary
import Randomness

/// One objective sample: the configuration it came from (index in the grid), the context and the
/// target. Packed, it uses input.count + target.count row positions (docs/METHOD.md 2).
public struct ObjectiveSample: Sendable, Equatable {
    public var configuration: Int
    public var input: [TokenID]
    public var target: [TokenID]

    public init(configuration: Int, input: [TokenID], target: [TokenID]) {
        self.configuration = configuration
        self.input = input
        self.target = target
    }

    public var length: Int { input.count + target.count }
}

/// Where the paradigm token goes: always first (the default), or last half of the time (the paper).
public enum ParadigmPlacement: String, Sendable, CaseIterable {
    case prepend
    case appendHalf = "append-half"
}

/// What the generator did with the documents it read.
public struct GeneratorCounts: Sendable, Equatable, Codable {
    public var documents = 0
    public var samples = 0
    /// Document tokens turned into samples.
    public var textTokens = 0
    /// Document pieces (whole documents or the rest of one) too short for the configuration drawn,
    /// and their tokens: skipped, never fatal.
    public var skippedPieces = 0
    public var skippedTokens = 0
    /// Samples made from less text than their configuration's length range asks for (the end of a
    /// document, or a short document, used whole). Many of these mean the documents are short:
    /// feed whole files (tokenize encode --input-format raw) or long records for long-range objectives.
    public var shortSamples = 0
    /// Samples and row positions (input + target) per configuration, by index.
    public var samplesPerConfiguration: [Int]
    public var tokensPerConfiguration: [Int]

    init(configurations: Int) {
        samplesPerConfiguration = Array(repeating: 0, count: configurations)
        tokensPerConfiguration = Array(repeating: 0, count: configurations)
    }
}

/// Documents + mixture + seed + row length -> samples. This is the in-process API `train` uses; the
/// mixture may be replaced between samples (the controller re-weights it during training).
///
/// For each sample: draw a configuration from the mixture, draw a text length uniformly from its
/// length range (scaled to the row length and capped so the sample fits a row), and take that many
/// tokens from the current document. The rest of a long document is carried to the next sample; a
/// rest shorter than the length drawn is used whole when the objective can work with it, and
/// skipped (counted) otherwise, keeping the configuration drawn so the mixture stays unbiased.
public struct SampleGenerator: Sendable {
    public let rowLength: Int
    public let placement: ParadigmPlacement
    public private(set) var mixture: Mixture
    public private(set) var counts: GeneratorCounts
    /// The text length range of each configuration at this row length (nil: it cannot fit a row).
    public let textLengths: [ClosedRange<Int>?]

    private var sampler: ConfigurationSampler
    private var rng: Xoshiro256StarStar
    private var document: [TokenID] = []
    private var offset = 0

    public init(mixture: Mixture, rowLength: Int, seed: UInt64, placement: ParadigmPlacement = .prepend) throws {
        self.rowLength = rowLength
        self.placement = placement
        self.mixture = mixture
        self.counts = GeneratorCounts(configurations: mixture.grid.count)
        self.textLengths = mixture.grid.configurations.map {
            SampleGenerator.textLengthRange($0, rowLength: rowLength, referenceRowLength: mixture.grid.referenceRowLength)
        }
        self.sampler = ConfigurationSampler(probabilities: mixture.probabilities)
        self.rng = Xoshiro256StarStar(seed: seed)
        try checkFits(mixture)
    }

    /// Replaces the mixture (same grid); takes effect from the next sample.
    public mutating func setMixture(_ newMixture: Mixture) throws {
        guard newMixture.grid.names == mixture.grid.names else {
            throw ToolError.usage("the new mixture is over grid \(newMixture.grid.name), the generator over \(mixture.grid.name)")
        }
        try checkFits(newMixture)
        mixture = newMixture
        sampler = ConfigurationSampler(probabilities: newMixture.probabilities)
    }

    /// The next sample, pulling documents from `documents` as needed; nil when they run out.
    public mutating func next<Documents: IteratorProtocol>(from documents: inout Documents) -> ObjectiveSample?
    where Documents.Element == [TokenID] {
        let index = sampler.draw(&rng)
        let configuration = mixture.grid.configurations[index]
        let wanted = rng.uniform(textLengths[index]!)
        let minimum = configuration.objective.minimumTextLength
        while document.count - offset < minimum {
            if document.count > offset {
                counts.skippedPieces += 1
                counts.skippedTokens += document.count - offset
            }
            guard let next = documents.next() else {
                document = []; offset = 0
                return nil
            }
            document = next; offset = 0
            counts.documents += 1
        }
        let take = min(wanted, document.count - offset)
        if take < textLengths[index]!.lowerBound { counts.shortSamples += 1 }
        let sample = make(configuration, index: index, text: document[offset..<offset + take])
        offset += take
        counts.samples += 1
        counts.textTokens += take
        counts.samplesPerConfiguration[index] += 1
        counts.tokensPerConfiguration[index] += sample.length
        return sample
    }

    /// Where the generator stands, for checkpoints: restore it with `restore(_:documents:)` on the
    /// same documents to continue exactly where it was (the mixture is the caller's to set again).
    public struct State: Sendable, Equatable, Codable {
        public var rng: Xoshiro256StarStar
        public var counts: GeneratorCounts
        /// Offset in the current document (the last one read, counts.documents).
        public var offset: Int
    }

    public var state: State { State(rng: rng, counts: counts, offset: offset) }

    /// Continues from `state`: reads counts.documents documents from `documents` (the same stream
    /// from its start) and resumes inside the last one.
    public mutating func restore<Documents: IteratorProtocol>(_ state: State, documents: inout Documents) throws
    where Documents.Element == [TokenID] {
        guard state.counts.samplesPerConfiguration.count == mixture.grid.count else {
            throw ToolError.usage("the saved generator state is for a grid of \(state.counts.samplesPerConfiguration.count) configurations, not \(mixture.grid.count)")
        }
        document = []
        for read in 0..<state.counts.documents {
            guard let next = documents.next() else {
                throw ToolError.usage("the documents end after \(read) of the \(state.counts.documents) the saved state has read")
            }
            document = next
        }
        guard state.offset <= document.count else {
            throw ToolError.usage("the saved state points past the end of document \(state.counts.documents); not the same documents")
        }
        rng = state.rng
        counts = state.counts
        offset = state.offset
    }

    /// One sample of `configuration` from `text`, with its paradigm token.
    public mutating func make(_ configuration: Configuration, index: Int, text: ArraySlice<TokenID>) -> ObjectiveSample {
        var (input, target) = configuration.objective.apply(to: text, rng: &rng)
        if placement == .appendHalf && rng.coin() {
            input.append(configuration.paradigm)
        } else {
            input.insert(configuration.paradigm, at: 0)
        }
        return ObjectiveSample(configuration: index, input: input, target: target)
    }

    /// The configuration's length range scaled from the reference row length, raised to the
    /// objective's minimum and capped so that every sample fits `rowLength` positions.
    public static func textLengthRange(_ c: Configuration, rowLength: Int, referenceRowLength: Int) -> ClosedRange<Int>? {
        let scale = Double(rowLength) / Double(referenceRowLength)
        let minimum = c.objective.minimumTextLength
        guard c.objective.sampleLength(textLength: minimum) <= rowLength else { return nil }
        // Longest text that fits: sampleLength grows with the text length, so search for it.
        var lo = minimum, hi = rowLength
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if c.objective.sampleLength(textLength: mid) <= rowLength { lo = mid } else { hi = mid - 1 }
        }
        let fits = lo
        let upper = min(max(Int((Double(c.lengthRange.upperBound) * scale).rounded()), minimum), fits)
        let lower = min(max(Int((Double(c.lengthRange.lowerBound) * scale).rounded()), minimum), upper)
        return lower...upper
    }

    private func checkFits(_ m: Mixture) throws {
        for (i, p) in m.probabilities.enumerated() where p > 0 && textLengths[i] == nil {
            throw ToolError.usage("configuration \(m.grid.configurations[i].name) cannot fit a row of \(rowLength) tokens; use a longer row or a mixture without it")
        }
    }
}
