import Testing
import Randomness

@Suite struct SplitMix64Tests {
    @Test func sameSeedSameStream() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42), c = SplitMix64(seed: 43)
        let x = (0..<8).map { _ in a.next() }
        #expect(x == (0..<8).map { _ in b.next() })
        #expect(x != (0..<8).map { _ in c.next() })
    }

    @Test func knownFirstValue() {
        // SplitMix64's reference output for seed 0 (Vigna's splitmix64.c).
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
    }

    @Test func belowStaysInRangeAndCoversIt() {
        var rng = SplitMix64(seed: 7)
        var seen = Set<Int>()
        for _ in 0..<2000 {
            let x = rng.below(10, by: .rejection)
            #expect((0..<10).contains(x))
            seen.insert(x)
        }
        #expect(seen.count == 10)
    }

    @Test func distinctGivesDistinctIndices() {
        var rng = SplitMix64(seed: 3)
        let picked = rng.distinct(5, below: 6, by: .rejection)
        #expect(Set(picked).count == 5)
        #expect(picked.allSatisfy { (0..<6).contains($0) })
    }
}
