import Foundation
import Testing
@testable import Controller

@Suite struct ScheduleTests {
    @Test func paperSchedule() {
        let s = EvaluationSchedule(totalSteps: 32_000)
        #expect(s.warmupEnd == 250)
        #expect(Array(s.evaluationSteps.prefix(8)) == [10, 50, 250, 500, 1000, 1500, 2000, 3000])
        #expect(s.evaluationSteps.last == 31_000)
        #expect(s.evaluationSteps.count == 7 + 29)
        #expect(s.isEvaluation(step: 1500) && !s.isEvaluation(step: 1600) && s.isEvaluation(step: 10))
    }

    @Test func scaledSchedule() {
        let s = EvaluationSchedule(totalSteps: 3200)
        #expect(s.warmupEnd == 25)
        #expect(Array(s.evaluationSteps.prefix(8)) == [1, 5, 25, 50, 100, 150, 200, 300])
        #expect(s.evaluationSteps.last == 3100)
        let tiny = EvaluationSchedule(totalSteps: 40)   // rounding collapses early steps: no duplicates
        #expect(tiny.evaluationSteps == Array(Set(tiny.evaluationSteps)).sorted())
        #expect(tiny.evaluationSteps.allSatisfy { $0 >= 1 && $0 < 40 })
    }

    @Test func explorationDecay() {
        let s = EvaluationSchedule(totalSteps: 1000)
        #expect(abs(s.explorationProbability(step: 0) - 0.5) < 1e-12)
        #expect(abs(s.explorationProbability(step: 250) - 0.35) < 1e-12)
        #expect(abs(s.explorationProbability(step: 500) - 0.2) < 1e-12)
        #expect(abs(s.explorationProbability(step: 900) - 0.2) < 1e-12)
    }
}
