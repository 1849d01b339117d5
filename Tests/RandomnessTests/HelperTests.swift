import Foundation
import Testing
import Randomness

@Suite struct XoshiroTests {
    @Test func pinnedStream() {
        // xoshiro256** seeded by SplitMix64(1): fixed forever, saved critic states depend on it.
        var rng = Xoshiro256StarStar(seed: 1)
        #expect((0..<3).map { _ in rng.next() } == [0xB3F2_AF6D_0FC7_10C5, 0x853B_5596_4736_4CEA, 0x92F8_9756_082A_4514])
    }

    @Test func savedWordsContinueTheStream() throws {
        var a = Xoshiro256StarStar(seed: 9)
        _ = a.next()
        var b = Xoshiro256StarStar(state: a.words)
        #expect(a == b)
        #expect(a.next() == b.next())
        let decoded = try JSONDecoder().decode(Xoshiro256StarStar.self, from: JSONEncoder().encode(a))
        #expect(decoded == a)
        // The encoding's keys are part of saved sample-generator states.
        let keys = try JSONSerialization.jsonObject(with: JSONEncoder().encode(a)) as? [String: Any]
        #expect(Set(keys?.keys ?? [:].keys) == ["s0", "s1", "s2", "s3"])
    }

    @Test func streamsDiffer() {
        var a = Xoshiro256StarStar(seed: 3, stream: 0), b = Xoshiro256StarStar(seed: 3, stream: 1)
        #expect(a.next() != b.next())
    }
}

@Suite struct HelperTests {
    /// The three bounded draws are different algorithms with pinned outputs.
    @Test func boundedDrawsArePinned() {
        var l = Xoshiro256StarStar(seed: 5), m = Xoshiro256StarStar(seed: 5), r = SplitMix64(seed: 5)
        #expect((0..<8).map { _ in l.below(10) } == [2, 6, 6, 8, 5, 7, 5, 8])
        #expect((0..<8).map { _ in m.below(10, by: .modulo) } == [5, 6, 2, 3, 3, 5, 5, 6])
        #expect((0..<8).map { _ in r.below(10, by: .rejection) } == [8, 4, 3, 9, 1, 6, 9, 5])
    }

    @Test func drawsStayInRange() {
        for draw in [BoundedDraw.lemire, .rejection, .modulo] {
            var rng = SplitMix64(seed: 11)
            var seen = Set<Int>()
            for _ in 0..<500 { seen.insert(rng.uniform(3...7, by: draw)) }
            #expect(seen == Set(3...7))
        }
    }

    @Test func unitIntervals() {
        var a = SplitMix64(seed: 2), b = SplitMix64(seed: 2)
        for _ in 0..<100 {
            let x = a.next(), f = b.uniform()
            #expect(f == Float(x >> 40) / Float(1 << 24) && f < 1)
        }
        var c = SplitMix64(seed: 2), d = SplitMix64(seed: 2)
        #expect(c.unit() == Double(d.next() >> 11) / Double(1 << 53))
    }

    @Test func normalsHaveUnitVariance() {
        var rng = Xoshiro256StarStar(seed: 8)
        let xs = (0..<20_000).map { _ in rng.standardNormal() }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
        var a = SplitMix64(seed: 4), b = SplitMix64(seed: 4)
        #expect(a.normal() == Float(b.standardNormal(floor: 1e-300)))
    }

    @Test func shuffleIsAPermutationAndFollowsTheDraw() {
        var a = SplitMix64(seed: 6), b = SplitMix64(seed: 6)
        var items = Array(0..<20)
        a.shuffle(&items, by: .rejection)
        #expect(items.sorted() == Array(0..<20) && items != Array(0..<20))
        // Fisher-Yates from the top: position i swaps with a draw below i + 1.
        var expected = Array(0..<20)
        for i in stride(from: 19, to: 0, by: -1) { expected.swapAt(i, b.below(i + 1, by: .rejection)) }
        #expect(items == expected)
    }
}
