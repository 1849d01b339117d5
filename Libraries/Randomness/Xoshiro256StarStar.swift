/// xoshiro256** (Blackman and Vigna) seeded through SplitMix64: four words of state, so long
/// streams from nearby seeds do not overlap. The critic's state file keeps `words`; sample
/// generators encode it (Codable keys s0...s3).
public struct Xoshiro256StarStar: SeededRandom, Sendable, Equatable, Codable {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var seeder = SplitMix64(seed: seed)
        s0 = seeder.next(); s1 = seeder.next(); s2 = seeder.next(); s3 = seeder.next()
    }

    /// An independent stream for `stream` (e.g. a sample index), derived from `seed`.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03 &+ 0x8CB9_2BA7_2F3D_8DD7))
    }

    /// Restores a saved state (`words`); not all zero.
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 })
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    public var words: [UInt64] { [s0, s1, s2, s3] }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
