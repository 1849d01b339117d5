import ArgumentParser
import Foundation

/// Bounds for size flags, checked before any work: a size past them is a usage error (exit 64)
/// naming the flag and the limit, never an allocation failure or a hang later.
public enum Limits {
    public static let rowLength = 1 << 20        // tokens in a row
    public static let batch = 1 << 16            // rows per step
    public static let width = 1 << 16            // d-model, state, MLP hidden, heads
    public static let layers = 1024
    public static let vocabulary = 1 << 24
    public static let candidates = 1 << 20       // controller candidates per decision
    public static let threads = 256              // worker threads (--threads)
    public static let items = 1 << 30            // items, books, samples, documents a tool makes or reads
    public static let steps = Int(Int32.max)     // optimizer steps, evaluation and checkpoint intervals
    public static let promptTokens = 1 << 20     // tokens of one prompt `score` reads (--max-prompt-tokens)
    public static let newTokens = 1 << 16        // tokens `score` decodes per item (--max-new-tokens)

    /// Throws a usage error unless `value` is in 1...limit (or 0...limit when zero is allowed).
    public static func check(_ value: Int?, _ flag: String, limit: Int, allowZero: Bool = false) throws {
        guard let value else { return }
        let low = allowZero ? 0 : 1
        guard value >= low && value <= limit else {
            throw ValidationError("\(flag) must be \(allowZero ? "0" : "1") to \(limit), not \(value)")
        }
    }

    /// Throws a usage error unless both ends of `range` are in 1...limit (or 0...limit).
    public static func check(_ range: RangeArgument?, _ flag: String, limit: Int, allowZero: Bool = false) throws {
        guard let range else { return }
        let low = allowZero ? 0 : 1
        guard range.range.lowerBound >= low && range.range.upperBound <= limit else {
            throw ValidationError("\(flag) must be within \(low)-\(limit), not \(range)")
        }
    }

    /// Throws a usage error unless every value of `list` is in 1...limit and there are at most `count` of them.
    public static func check(_ list: ListArgument?, _ flag: String, limit: Int, count: Int = 1 << 16) throws {
        guard let list else { return }
        guard list.values.count <= count else { throw ValidationError("\(flag) takes at most \(count) values, not \(list.values.count)") }
        if let bad = list.values.first(where: { $0 < 1 || $0 > limit }) {
            throw ValidationError("\(flag) values must be 1 to \(limit), not \(bad)")
        }
    }

    /// Throws a usage error unless every value is in 1...limit (list flags parsed as [Int]).
    public static func check(_ values: [Int], _ flag: String, limit: Int, count: Int = 1 << 16) throws {
        try check(values.isEmpty ? nil : ListArgument(values), flag, limit: limit, count: count)
        if values.isEmpty { throw ValidationError("\(flag) needs at least one value") }
    }

    /// Throws a usage error unless `value` is a finite number in `range`.
    public static func check(_ value: Double?, _ flag: String, in range: ClosedRange<Double>) throws {
        guard let value else { return }
        guard value.isFinite && range.contains(value) else {
            throw ValidationError("\(flag) must be a finite number from \(range.lowerBound) to \(range.upperBound), not \(value)")
        }
    }

    /// Throws a usage error unless `value` is a finite number above 0 (or 0 when allowed).
    public static func checkPositive(_ value: Float, _ flag: String, allowZero: Bool = false) throws {
        guard value.isFinite && (value > 0 || (allowZero && value == 0)) else {
            throw ValidationError("\(flag) must be a finite number \(allowZero ? "of 0 or more" : "above 0"), not \(value)")
        }
    }

    /// This machine's memory in bytes.
    public static var physicalMemory: Double { Double(ProcessInfo.processInfo.physicalMemory) }

    /// Refuses a run whose estimated memory exceeds the machine's, naming the flags that size it.
    public static func checkMemory(estimatedBytes: Double, flags: String) throws {
        guard estimatedBytes > physicalMemory else { return }
        throw ToolError.usage(String(format: "this run needs about %.1f GB and the machine has %.1f GB; lower %@",
                                     estimatedBytes / 1e9, physicalMemory / 1e9, flags))
    }
}
