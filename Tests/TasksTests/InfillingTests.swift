import Foundation
import Testing
import ToolSupport
@testable import Tasks

@Suite struct InfillingTests {
    static let heldout = Fixtures.documents(count: 12, paragraphs: 9, tag: "heldout")
    static let train = Fixtures.documents(count: 12, paragraphs: 9, tag: "train")

    /// The numbered entries of a context, the blank's position, and the question line.
    static func parse(_ context: String) throws -> (entries: [String], blank: Int) {
        var lines = context.components(separatedBy: "\n")
        #expect(lines.removeLast() == "Which choice best fills in the missing entry?")
        var entries: [String] = []
        for (i, line) in lines.enumerated() {
            let prefix = "\(i + 1). "
            try #require(line.hasPrefix(prefix), "entry \(i + 1) is numbered: \(line)")
            entries.append(String(line.dropFirst(prefix.count)))
        }
        #expect(entries.filter { $0 == "(blank)" }.count == 1)
        return (entries, try #require(entries.firstIndex(of: "(blank)")))
    }

    @Test(arguments: [UInt64(1), 2])
    func itemsHaveOneTrueChoiceTheOriginalText(seed: UInt64) throws {
        let generator = try InfillGenerator(documents: Self.heldout)
        let items = generator.generate(count: 100, seed: seed)
        #expect(items.count >= 12, "at least one story per document")
        for item in items {
            let (entries, blank) = try Self.parse(item.context)
            #expect((3...7).contains(entries.count))
            #expect(item.choices.count == 4)
            #expect(Set(item.choices).count == 4, "choices are distinct")
            // The original document: the story must be consecutive entries of it.
            let document = try #require(Self.heldout.first { "\($0.source!)#0" == item.source })
            let original = InfillGenerator.entries(of: document.text)
            let start = try #require((0...(original.count - entries.count)).first { s in
                entries.indices.allSatisfy { $0 == blank || original[s + $0] == entries[$0] }
            })
            let truth = original[start + blank]
            #expect(item.choices[item.label] == truth)
            #expect(item.choices.filter { $0 == truth }.count == 1, "exactly one true choice")
            for (i, choice) in item.choices.enumerated() where i != item.label {
                let near = (start - 3)..<(start + entries.count + 3)
                #expect(!original.indices.contains { near.contains($0) && original[$0] == choice },
                        "distractors are not next to the story")
                #expect(choice.count * 2 >= truth.count && choice.count <= truth.count * 2, "distractors have similar length")
            }
        }
    }

    @Test func distractorsComeFromTheSameSourceFirst() throws {
        // Four documents of one play and others elsewhere: a play's stories take distractors from the play.
        var documents = Fixtures.documents(count: 4, paragraphs: 9, tag: "play", source: "plays")
        for d in documents.indices {
            documents[d].source = "plays/hamlet.txt"
            documents[d].part = d
        }
        documents += Fixtures.documents(count: 8, paragraphs: 9, tag: "other", source: "plays")
        let items = try InfillGenerator(documents: documents).generate(count: 200, seed: 4)
        let fromHamlet = items.filter { $0.source!.hasPrefix("plays/hamlet.txt#") }
        #expect(!fromHamlet.isEmpty)
        for item in fromHamlet {
            #expect(item.choices.allSatisfy { $0.contains("play story") }, "\(item.choices)")
        }
        #expect(items.contains { item in item.source!.contains("other-") && item.choices.contains { $0.contains("other story") } })
    }

    @Test func noItemUsesTrainingText() throws {
        // Held-out documents that share some entries with the training split.
        var mixed = Self.heldout
        let trainEntries = Self.train.flatMap { InfillGenerator.entries(of: $0.text) }
        for d in mixed.indices where d % 2 == 0 {
            mixed[d].text += "\n\n" + trainEntries[d * 3] + "\n\n" + trainEntries[d * 3 + 1]
        }
        let excluded = Set(trainEntries)
        let items = try InfillGenerator(documents: mixed, excluded: excluded).generate(count: 200, seed: 3)
        #expect(!items.isEmpty)
        for item in items {
            for entry in try Self.parse(item.context).entries { #expect(!excluded.contains(entry)) }
            for choice in item.choices { #expect(!excluded.contains(choice)) }
            #expect(!item.context.contains("train story"))
        }
        // Without the exclusion the shared entries would be used.
        let unguarded = try InfillGenerator(documents: mixed).generate(count: 200, seed: 3)
        #expect(unguarded.contains { item in item.context.contains("train story") || item.choices.contains { $0.contains("train story") } })
    }

    @Test func sameSeedSameItems() throws {
        let generator = try InfillGenerator(documents: Self.heldout)
        #expect(generator.generate(count: 30, seed: 8) == generator.generate(count: 30, seed: 8))
        #expect(generator.generate(count: 30, seed: 8) != generator.generate(count: 30, seed: 9))
    }

    @Test func textThatRunsOutGivesFewerItems() throws {
        let items = try InfillGenerator(documents: Array(Self.heldout.prefix(4))).generate(count: 1000, seed: 1)
        #expect(items.count < 1000 && items.count >= 4)
    }

    @Test func entriesAndSentences() {
        #expect(InfillGenerator.entries(of: "HAMLET.\nTo be, or not to be.\n\n\n\nOPHELIA.\n  Good my lord,") ==
                ["HAMLET. To be, or not to be.", "OPHELIA. Good my lord,"])
        #expect(InfillGenerator.sentences("Mr. Smith went home. Then he slept! \"Why?\" she asked. e.g. Not this.") ==
                ["Mr. Smith went home.", "Then he slept!", "\"Why?\" she asked. e.g. Not this."])
        let long = String(repeating: "Word after word. ", count: 40)
        #expect(InfillGenerator.entries(of: long, maxCharacters: 100).count == 40)
    }
}
