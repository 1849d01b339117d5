import Foundation

/// A generator whose stream is fixed by this library alone. Every draw goes through the helpers
/// below (never the standard library's `random(in:)`, whose algorithm may change between Swift
/// releases), so a seed gives the same bytes on every build.
public protocol SeededRandom: RandomNumberGenerator {
    init(seed: UInt64)
}

/// How a uniform integer in 0..<n is made from 64 random bits. All three stay because callers'
/// saved streams and golden outputs depend on which one they use.
public enum BoundedDraw: Sendable {
    /// Lemire's multiply-and-reject: exact, usually one draw (objectives).
    case lemire
    /// Reject draws above the largest multiple of n, then take the remainder: exact (tasks).
    case rejection
    /// The remainder of one draw: slightly biased toward small values (the controller).
    case modulo
}

extension SeededRandom {
    /// Uniform in 0..<n (n > 0).
    public mutating func below(_ n: Int, by draw: BoundedDraw = .lemire) -> Int {
        precondition(n > 0, "below(\(n))")
        let bound = UInt64(n)
        switch draw {
        case .lemire:
            var m = next().multipliedFullWidth(by: bound)
            if m.low < bound {
                let threshold = (0 &- bound) % bound
                while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
            }
            return Int(m.high)
        case .rejection:
            let limit = UInt64.max - UInt64.max % bound
            while true {
                let x = next()
                if x < limit { return Int(x % bound) }
            }
        case .modulo:
            return Int(next() % bound)
        }
    }

    /// Uniform in the closed range.
    public mutating func uniform(_ range: ClosedRange<Int>, by draw: BoundedDraw = .lemire) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1, by: draw)
    }

    /// Uniform in [0, 1) with 24 random bits (exactly representable as Float).
    public mutating func uniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    public mutating func coin() -> Bool { next() >> 63 == 1 }

    /// Standard normal (Box-Muller, one value per call keeps the stream simple); the first
    /// uniform is raised to `floor` so its logarithm is finite.
    public mutating func standardNormal(floor: Double = 0x1p-53) -> Double {
        let u1 = max(unit(), floor)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Standard normal as Float, as model initialisation draws it (floor 1e-300).
    public mutating func normal() -> Float { Float(standardNormal(floor: 1e-300)) }

    /// Fisher-Yates shuffle.
    public mutating func shuffle<C: MutableCollection & RandomAccessCollection>(
        _ items: inout C, by draw: BoundedDraw = .lemire
    ) {
        var i = items.count
        while i > 1 {
            let j = below(i, by: draw)
            i -= 1
            items.swapAt(items.index(items.startIndex, offsetBy: i), items.index(items.startIndex, offsetBy: j))
        }
    }

    /// `k` distinct indices of 0..<n in random order.
    public mutating func distinct(_ k: Int, below n: Int, by draw: BoundedDraw = .lemire) -> [Int] {
        precondition(k <= n, "distinct(\(k), below: \(n))")
        var chosen: [Int] = []
        var seen = Set<Int>()
        while chosen.count < k {
            let i = below(n, by: draw)
            if seen.insert(i).inserted { chosen.append(i) }
        }
        return chosen
    }
}
