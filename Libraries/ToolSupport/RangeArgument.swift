import ArgumentParser

/// A flag value "A-B" or "A" (meaning A-A) of non-negative integers, e.g. `--entries 8-40`.
public struct RangeArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    public let range: ClosedRange<Int>

    public init(_ range: ClosedRange<Int>) { self.range = range }

    public init?(argument: String) {
        let parts = argument.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let low = Int(parts[0]), let high = Int(parts.last!),
              low >= 0, low <= high else { return nil }
        range = low...high
    }

    public var description: String {
        range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
    }
    public var defaultValueDescription: String { description }
}
