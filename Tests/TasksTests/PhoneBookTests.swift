import Foundation
import Testing
import ToolSupport
@testable import Tasks
import Randomness

/// A book read back from its prompt text, to check the generator's output as a model sees it.
private struct ParsedBook {
    var question: String
    var names: [String]
    var numbers: [String]
    var asked: [String]

    init(_ prompt: String) throws {
        let lines = prompt.components(separatedBy: "\n")
        try #require(lines.count >= 4)
        question = lines[0]
        #expect(lines[1] == "Phonebook:")
        #expect(lines.last == question.replacingOccurrences(of: "phonebook below.", with: "phonebook above."))
        #expect(question.hasSuffix("in the phonebook below."))
        var names: [String] = [], numbers: [String] = []
        for line in lines[2..<(lines.count - 1)] {
            let parts = line.components(separatedBy: ": ")
            try #require(parts.count == 2)
            names.append(parts[0])
            numbers.append(parts[1])
        }
        self.names = names
        self.numbers = numbers
        let listStart = try #require(question.range(of: " for "))
        let listEnd = try #require(question.range(of: "? Find "))
        let list = String(question[listStart.upperBound..<listEnd.lowerBound])
        asked = list.replacingOccurrences(of: ", and ", with: ", ").replacingOccurrences(of: " and ", with: ", ")
            .components(separatedBy: ", ")
    }
}

@Suite struct PhoneBookTests {
    /// A counter unlike bytes: words and punctuation marks, as a word-level tokenizer would count.
    static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).reduce(0) { $0 + 1 + $1.filter { ":-,?.".contains($0) }.count }
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func invariantsHold(seed: UInt64) throws {
        let generator = try PhoneBookGenerator(names: Fixtures.names, entries: 3...12, queries: 1...5)
        for item in try generator.generate(count: 60, seed: seed) {
            let book = try ParsedBook(item.prompt)
            #expect(book.names.count == item.entries && (3...12).contains(item.entries))
            #expect(book.asked.count == item.queries && (1...min(5, item.entries)).contains(item.queries))
            #expect(Set(book.names).count == book.names.count, "names unique within a book")
            #expect(Set(book.numbers).count == book.numbers.count, "numbers unique within a book")
            #expect(Set(book.asked).count == book.asked.count)
            for number in book.numbers {
                #expect(PhoneBookMetrics.numbers(in: number) == [number], "ddd-ddd-dddd: \(number)")
            }
            for name in book.asked {
                #expect(book.names.filter { $0 == name }.count == 1, "\(name) is in its book exactly once")
            }
            let expected = book.asked.map { name in book.numbers[book.names.firstIndex(of: name)!] }
            #expect(item.target == expected.joined(separator: ", "))
            #expect(item.tokens == nil)
        }
    }

    @Test func singleQueryIsSingular() {
        let book = PhoneBook(names: ["Ann Lee", "Bo Ray"], numbers: ["111-222-3333", "444-555-6666"], queried: [1])
        #expect(book.item.prompt == """
            What is the phone number for Bo Ray? Find it in the phonebook below.
            Phonebook:
            Ann Lee: 111-222-3333
            Bo Ray: 444-555-6666
            What is the phone number for Bo Ray? Find it in the phonebook above.
            """)
        #expect(book.item.target == "444-555-6666")
        #expect(PhoneBook.list(["A", "B"]) == "A and B")
        #expect(PhoneBook.list(["A", "B", "C"]) == "A, B, and C")
    }

    @Test(arguments: [false, true])
    func booksFitTheBudget(words: Bool) throws {
        let counter: TokenCounter = words ? { Self.wordCount($0) } : { utf8ByteCount($0) }
        let budget = words ? 120 : 400
        let generator = try PhoneBookGenerator(names: Fixtures.names, entries: 4...40, queries: 1...4,
                                               maxTokens: budget, tokenCount: counter)
        let items = try generator.generate(count: 80, seed: 9)
        for item in items {
            let tokens = counter(item.prompt) + counter(item.target)
            #expect(item.tokens == tokens)
            #expect(tokens <= budget)
            #expect(item.entries >= 4)
            let book = try ParsedBook(item.prompt)
            #expect(book.names.count == item.entries)
            for name in book.asked { #expect(book.names.contains(name)) }
        }
        #expect(items.map(\.entries).max()! < 40, "the budget is tight enough to trim books")
    }

    @Test func trimmedBooksKeepAsManyEntriesAsFit() throws {
        // Every line "Anna Adams: ddd-ddd-dddd\n" is 25 bytes, so a kept book is maximal exactly
        // when one more line would break the budget.
        let names = CensusNames(first: ["Anna", "Bert", "Carl", "Dora", "Emil", "Fred"],
                                last: ["Adams", "Baker", "Clark", "Davis", "Evans", "Green", "Hayes"])
        let generator = try PhoneBookGenerator(names: names, entries: 2...30, queries: 2...2, maxTokens: 300)
        var rng = SplitMix64(seed: 11)
        for _ in 0..<10 {
            let book = generator.draw(&rng, entries: 30...30)
            let item = try #require(generator.fit(book, maxTokens: 300, keepingAtLeast: 2, rng: &rng))
            #expect(item.tokens! <= 300 && item.tokens! + 25 > 300)
            #expect(item.entries < 30)
            let parsed = try ParsedBook(item.prompt)
            #expect(parsed.asked == book.queried.map { book.names[$0] }, "queried entries are never dropped")
            #expect(parsed.names == book.names.filter { parsed.names.contains($0) }, "book order kept")
        }
    }

    @Test func sameSeedSameBooks() throws {
        let generator = try PhoneBookGenerator(names: Fixtures.names, entries: 5...9, queries: 1...3, maxTokens: 400)
        #expect(try generator.generate(count: 20, seed: 5) == generator.generate(count: 20, seed: 5))
        #expect(try generator.generate(count: 20, seed: 5) != generator.generate(count: 20, seed: 6))
    }

    @Test func impossibleBudgetIsAUsageError() throws {
        let generator = try PhoneBookGenerator(names: Fixtures.names, entries: 5...9, queries: 3...3, maxTokens: 50)
        #expect { try generator.generate(count: 1, seed: 1) } throws: { ($0 as? ToolError)?.code == .usage }
    }

    // The ladder (--rungs): book i has exactly rungs[i % rungs.count] entries.

    @Test(arguments: [(UInt64(1), false), (2, true), (3, true)])
    func everyBookHasItsRungsEntries(seed: UInt64, budget: Bool) throws {
        let rungs = [1, 2, 4, 8, 12]
        let generator = try PhoneBookGenerator(names: Fixtures.names, rungs: rungs, queries: 2...5,
                                               maxTokens: budget ? 800 : nil)
        let items = try generator.generate(count: 53, seed: seed)
        for (i, item) in items.enumerated() {
            let book = try ParsedBook(item.prompt)
            #expect(item.entries == rungs[i % rungs.count] && book.names.count == item.entries, "book \(i)")
            #expect(item.queries == book.asked.count && item.queries <= item.entries)
            #expect((min(2, item.entries)...min(5, item.entries)).contains(item.queries), "capped at the rung")
            #expect(Set(book.names).count == book.names.count && Set(book.numbers).count == book.numbers.count)
            if budget { #expect(item.tokens! <= 800 && item.tokens == utf8ByteCount(item.prompt) + utf8ByteCount(item.target)) }
        }
        let perRung = Dictionary(grouping: items, by: \.entries).mapValues(\.count)
        #expect(Set(perRung.keys) == Set(rungs))
        #expect(perRung.values.max()! - perRung.values.min()! <= 1, "balanced: \(perRung)")
    }

    @Test func ladderIsDeterministic() throws {
        let generator = try PhoneBookGenerator(names: Fixtures.names, rungs: [3, 1, 6], queries: 1...3, maxTokens: 600)
        #expect(try generator.generate(count: 12, seed: 5) == generator.generate(count: 12, seed: 5))
        #expect(try generator.generate(count: 12, seed: 5) != generator.generate(count: 12, seed: 6))
        #expect(try generator.generate(count: 12, seed: 5).map(\.entries) == [3, 1, 6, 3, 1, 6, 3, 1, 6, 3, 1, 6])
    }

    /// A rung whose books can never fit is a one-line usage error naming the rung, after a bounded
    /// number of draws; the rungs before it are made.
    @Test func overBudgetRungIsAUsageErrorNamingIt() throws {
        // One entry with one query is about 170 bytes; twenty entries never fit in 300.
        let generator = try PhoneBookGenerator(names: Fixtures.names, rungs: [1, 20], queries: 1...1, maxTokens: 300)
        #expect(try generator.generate(count: 1, seed: 1).count == 1)
        #expect { try generator.generate(count: 2, seed: 1) } throws: { error in
            guard let error = error as? ToolError else { return false }
            return error.code == .usage && error.message.contains("rung 20 of --rungs 1,20")
                && error.message.contains("raise --max-tokens") && !error.message.contains("\n")
        }
    }

    @Test func badRungsAreUsageErrors() {
        for rungs in [[], [0, 2], [2, 4, 2]] {
            #expect { try PhoneBookGenerator(names: Fixtures.names, rungs: rungs, queries: 1...2) } throws: {
                ($0 as? ToolError)?.code == .usage
            }
        }
        let few = CensusNames(first: ["Ann"], last: ["Lee", "Ray"])
        #expect { try PhoneBookGenerator(names: few, rungs: [1, 3], queries: 1...1) } throws: { ($0 as? ToolError)?.code == .usage }
    }

    @Test func badRangesAreUsageErrors() {
        #expect { try PhoneBookGenerator(names: Fixtures.names, entries: 2...3, queries: 4...5) } throws: {
            ($0 as? ToolError)?.code == .usage
        }
        #expect { try PhoneBookGenerator(names: Fixtures.names, entries: 0...3, queries: 1...1) } throws: {
            ($0 as? ToolError)?.code == .usage
        }
    }

    @Test func censusFilesLoad() throws {
        let dir = try Fixtures.censusFolder()
        let names = try CensusNames(directory: dir)
        #expect(names.first == Fixtures.firstNames, "female then male, each once, capitalised")
        #expect(names.last == Fixtures.lastNames)
    }

    @Test func missingCensusFolderIsBadInput() throws {
        let dir = try Fixtures.folder() + "/absent"
        #expect { try CensusNames(directory: dir) } throws: { error in
            guard let error = error as? ToolError else { return false }
            return error.code == .dataError && error.message.contains("dist.female.first") && error.message.contains("make data")
        }
    }
}
