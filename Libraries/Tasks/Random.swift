/// SplitMix64: a small seeded generator whose stream is fixed by this file alone, so the same seed
/// gives the same tasks on every platform and Swift version (the standard library's `random(in:)`
/// algorithms are not promised to stay the same).
public struct SplitMix64 {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<n (rejection sampling, no modulo bias).
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "below(0)")
        let bound = UInt64(n)
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let x = next()
            if x < limit { return Int(x % bound) }
        }
    }

    /// Uniform in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// Fisher-Yates shuffle.
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, below(i + 1))
        }
    }

    /// `k` distinct indices of 0..<n in random order.
    public mutating func distinct(_ k: Int, below n: Int) -> [Int] {
        precondition(k <= n, "distinct(\(k), below: \(n))")
        var chosen: [Int] = []
        var seen = Set<Int>()
        while chosen.count < k {
            let i = below(n)
            if seen.insert(i).inserted { chosen.append(i) }
        }
        return chosen
    }
}
