/// The id space every tool shares.
///
/// Special tokens are real ids at the bottom of every vocabulary, never text: ordinary text can
/// never encode to them. After them come the 256 byte tokens, then the learned BPE merges.
///
///     0..<reservedCount          special tokens (layout below, some ids spare for later)
///     byteBase..<byteBase+256    one token per byte value
///     byteBase+256..<vocabSize   merges, in the order they were learned
public typealias TokenID = Int32

public enum SpecialToken: TokenID, CaseIterable, Sendable {
    case pad = 0
    case start = 1      // begin generating: the first causal position of every packed sample
    case eos = 2

    // One paradigm token per objective class (docs/METHOD.md 3), plus UL2's three.
    case paradigmNextToken = 3
    case paradigmPrefixLM = 4
    case paradigmInfilling = 5        // span corruption
    case paradigmAutoencoding = 6     // full span corruption, with or without deshuffling
    case paradigmDeshuffling = 7
    case paradigmCopying = 8
    case paradigmSelectiveCopying = 9
    case paradigmUL2R = 10
    case paradigmUL2S = 11
    case paradigmUL2X = 12

    // Selective-copying markers.
    case copy = 13
    case startSpan = 14
    case endSpan = 15
    case context = 16
    case separator = 17
    case done = 18

    /// Whether a grid entry may name this token as its `paradigm` (docs/FORMATS.md). No default:
    /// a new token does not compile until it says, so a new paradigm token is accepted with no range to move.
    public var isParadigm: Bool {
        switch self {
        case .paradigmNextToken, .paradigmPrefixLM, .paradigmInfilling, .paradigmAutoencoding, .paradigmDeshuffling,
             .paradigmCopying, .paradigmSelectiveCopying, .paradigmUL2R, .paradigmUL2S, .paradigmUL2X: true
        case .pad, .start, .eos, .copy, .startSpan, .endSpan, .context, .separator, .done: false
        }
    }

    /// A short name for display, e.g. in `corrupt --explain` and `tokenize decode --show-special`.
    public var name: String {
        switch self {
        case .pad: "<pad>"
        case .start: "<start>"
        case .eos: "<eos>"
        case .paradigmNextToken: "[CLM]"
        case .paradigmPrefixLM: "[PLM]"
        case .paradigmInfilling: "[INFILL]"
        case .paradigmAutoencoding: "[AUTOENCODE]"
        case .paradigmDeshuffling: "[DESHUFFLE]"
        case .paradigmCopying: "[COPY]"
        case .paradigmSelectiveCopying: "[SELECTIVE-COPY]"
        case .paradigmUL2R: "[R]"
        case .paradigmUL2S: "[S]"
        case .paradigmUL2X: "[X]"
        case .copy: "<copy>"
        case .startSpan: "<start-span>"
        case .endSpan: "<end-span>"
        case .context: "<context>"
        case .separator: "<sep>"
        case .done: "<done>"
        }
    }
}

public enum Vocabulary {
    /// First sentinel id; sentinels are numbered in order of appearance within a sample.
    public static let sentinelBase: TokenID = 32
    public static let sentinelCount = 128
    /// Ids below this are reserved for special tokens (the gaps are spare, never emitted).
    public static let reservedCount: TokenID = sentinelBase + TokenID(sentinelCount)   // 160
    /// The token of byte value b is byteBase + b.
    public static let byteBase: TokenID = reservedCount
    /// The smallest vocabulary that holds the special tokens and all bytes.
    public static let minimumSize = Int(byteBase) + 256

    public static func sentinel(_ index: Int) -> TokenID {
        precondition(index >= 0 && index < sentinelCount, "sentinel \(index) out of range 0..<\(sentinelCount)")
        return sentinelBase + TokenID(index)
    }

    public static func isSpecial(_ id: TokenID) -> Bool { id >= 0 && id < reservedCount }
    public static func isSentinel(_ id: TokenID) -> Bool {
        id >= sentinelBase && id < sentinelBase + TokenID(sentinelCount)
    }

    /// Display name of a reserved id, or nil for text tokens.
    public static func specialName(_ id: TokenID) -> String? {
        if let s = SpecialToken(rawValue: id) { return s.name }
        if isSentinel(id) { return "<extra_id_\(id - sentinelBase)>" }
        if isSpecial(id) { return "<reserved_\(id)>" }
        return nil
    }
}
