import Foundation
import Testing
@testable import Controller

@Suite struct RewardTests {
    @Test func valuesFromBirdieMd() {
        #expect(abs(Reward.value(old: 4.5, new: 4.2) - 0.952) < 1e-3)   // docs/METHOD.md gives three decimals
        #expect(abs(Reward.value(old: 3.0, new: 2.9) - 0.081) < 1e-3)   // docs/METHOD.md gives three decimals
        #expect(abs(Reward.value(old: 3.0, new: 3.1) - -0.084) < 1e-3)   // docs/METHOD.md gives three decimals
        #expect(Reward.value(old: 2.0, new: 1.5) == 1)
        #expect(Reward.value(old: 3.0, new: 3.0) == 0)
    }

    @Test func clipping() {
        #expect(Reward.value(old: 4.0, new: 1.0) == 1)
        #expect(Reward.value(old: 1.0, new: 4.0) == -1)
        #expect(Reward.value(old: 3.0, new: 100.0) == -1)
    }

    @Test func nanMapsToZero() {
        #expect(Reward.value(old: .nan, new: 2) == 0)
        #expect(Reward.value(old: 2, new: .nan) == 0)
        #expect(Reward.value(old: 2, new: -1) == 0)   // sqrt of a negative product
        #expect(Reward.value(old: .infinity, new: 2) == 0)
    }

    @Test func classScaledTotal() throws {
        let set = try ConfigurationSet([
            .init(name: "a1", objectiveClass: "A"), .init(name: "a2", objectiveClass: "A"),
            .init(name: "b", objectiveClass: "B"),
        ])
        #expect(set.classScale == [0.5, 0.5, 1])
        #expect(set.startingMixture == [0.25, 0.25, 0.5])
        let rewards = Reward.values(old: [4.5, 3.0, 2.0], new: [4.2, 3.1, 1.5])
        let total = Reward.total(rewards, classScale: set.classScale)
        #expect(abs(total - (0.5 * 0.952 + 0.5 * -0.084 + 1)) < 1e-3)
    }
}
