import ArgumentParser

/// A flag value "A,B,C" of positive integers, in the order given, e.g. `--rungs 1,2,4,8`.
public struct ListArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    public let values: [Int]

    public init(_ values: [Int]) { self.values = values }

    public init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Int($0) }
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 >= 1 }) else { return nil }
        self.values = values
    }

    public var description: String { values.map(String.init).joined(separator: ",") }
    public var defaultValueDescription: String { description }
}
