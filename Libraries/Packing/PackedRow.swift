import Objectives
import Vocabulary

/// What a row position is (docs/METHOD.md 2): padding, context (may be read bidirectionally) or the
/// causal region that is generated and scored.
public enum Region: UInt8, Sendable, CaseIterable, Codable {
    case pad = 0
    case prefix = 1
    case causal = 2
}

/// One packed training row of fixed length (docs/METHOD.md 2). A sample with input x (N tokens) and
/// target y (M tokens) starting at position s uses N+M positions:
///
///     position      s .. s+N-1     s+N        s+N+1 .. s+N+M-1
///     token         x[0..N-1]      START      y[0..M-2]
///     label         none (-1)      y[0]       y[1..M-1]
///     region        prefix         causal     causal
///
/// Segment ids count samples 1, 2, 3, ... from the left; padding (segment 0) sits on the right.
public struct PackedRow: Sendable, Equatable, Codable {
    public static let noLabel: TokenID = -1

    public var tokens: [TokenID]
    public var labels: [TokenID]
    public var segments: [Int32]
    public var regions: [Region]
    /// The configuration (grid index) of each segment: segmentConfigurations[k-1] for segment k.
    public var segmentConfigurations: [Int32]

    public var length: Int { tokens.count }
    /// Positions holding a sample (not padding).
    public var filled: Int { segments.lastIndex { $0 != 0 }.map { $0 + 1 } ?? 0 }

    /// An empty row: all padding.
    public init(length: Int) {
        tokens = Array(repeating: SpecialToken.pad.rawValue, count: length)
        labels = Array(repeating: PackedRow.noLabel, count: length)
        segments = Array(repeating: 0, count: length)
        regions = Array(repeating: .pad, count: length)
        segmentConfigurations = []
    }

    /// Writes `sample` at `start` as the next segment. The caller checks it fits.
    mutating func place(_ sample: ObjectiveSample, at start: Int) {
        let n = sample.input.count, m = sample.target.count
        precondition(m >= 1 && start + n + m <= length, "sample does not fit")
        segmentConfigurations.append(Int32(sample.configuration))
        let segment = Int32(segmentConfigurations.count)
        for (i, x) in sample.input.enumerated() {
            tokens[start + i] = x
            regions[start + i] = .prefix
        }
        tokens[start + n] = SpecialToken.start.rawValue
        for (j, y) in sample.target.enumerated() {
            if j + 1 < m { tokens[start + n + 1 + j] = y }
            labels[start + n + j] = y
            regions[start + n + j] = .causal
        }
        for p in start..<start + n + m { segments[p] = segment }
    }

    // MARK: Masks the engine derives from a row

    /// True at the first position of each sample: recurrences reset here.
    public var segmentStarts: [Bool] {
        (0..<length).map { t in segments[t] != 0 && (t == 0 || segments[t - 1] != segments[t]) }
    }

    /// True at the last position of each sample: the reverse direction resets here.
    public var segmentEnds: [Bool] {
        (0..<length).map { t in segments[t] != 0 && (t == length - 1 || segments[t + 1] != segments[t]) }
    }

    /// True on the causal region (START and the target positions).
    public var causal: [Bool] { regions.map { $0 == .causal } }

    /// The configuration of each position (-1 on padding), for per-configuration losses.
    public var positionConfigurations: [Int32] {
        segments.map { $0 == 0 ? -1 : segmentConfigurations[Int($0) - 1] }
    }

    /// The samples of the row, recovered from tokens, labels and regions.
    public func samples() -> [ObjectiveSample] {
        var out = [ObjectiveSample]()
        var t = 0
        while t < length && segments[t] != 0 {
            let segment = segments[t]
            var sample = ObjectiveSample(configuration: Int(segmentConfigurations[Int(segment) - 1]), input: [], target: [])
            while t < length && segments[t] == segment {
                if regions[t] == .prefix { sample.input.append(tokens[t]) } else { sample.target.append(labels[t]) }
                t += 1
            }
            out.append(sample)
        }
        return out
    }
}
