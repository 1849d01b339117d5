import Testing
@testable import Vocabulary

@Suite struct SpecialTokenLayoutTests {
    @Test func specialTokensAreDistinctAndBelowTheSentinels() {
        let ids = SpecialToken.allCases.map(\.rawValue)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0 >= 0 && $0 < Vocabulary.sentinelBase })
        #expect(Set(SpecialToken.allCases.map(\.name)).count == ids.count)
    }

    @Test func sentinelsBytesAndMergesFollowEachOther() {
        #expect(Vocabulary.sentinelCount >= 100)
        #expect(Vocabulary.sentinel(0) == Vocabulary.sentinelBase)
        #expect(Vocabulary.sentinel(Vocabulary.sentinelCount - 1) == Vocabulary.reservedCount - 1)
        #expect(Vocabulary.byteBase == Vocabulary.reservedCount)
        #expect(Vocabulary.minimumSize == Int(Vocabulary.byteBase) + 256)
    }

    @Test func classificationOfIds() {
        #expect(Vocabulary.isSpecial(SpecialToken.pad.rawValue))
        #expect(!Vocabulary.isSpecial(Vocabulary.byteBase))
        #expect(!Vocabulary.isSentinel(SpecialToken.done.rawValue))
        #expect(Vocabulary.isSentinel(Vocabulary.sentinel(5)))
        #expect(Vocabulary.specialName(Vocabulary.sentinel(5)) == "<extra_id_5>")
        #expect(Vocabulary.specialName(SpecialToken.start.rawValue) == "<start>")
        #expect(Vocabulary.specialName(25) == "<reserved_25>")
        #expect(Vocabulary.specialName(Vocabulary.byteBase + 65) == nil)
    }
}
