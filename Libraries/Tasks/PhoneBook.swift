import ToolSupport
import Randomness

/// One phone-book item (docs/METHOD.md 6): the question, "Phonebook:", one "First Last: ddd-ddd-dddd"
/// line per entry, the question again; the target is the queried numbers in question order,
/// separated by ", ". The prompt has no trailing newline and the target no leading space.
public struct PhoneBookItem: Codable, Equatable, Sendable {
    public var prompt: String
    public var target: String
    public var entries: Int
    public var queries: Int
    /// Tokens of prompt plus target under the budget's counter (absent without a budget).
    public var tokens: Int?

    public init(prompt: String, target: String, entries: Int, queries: Int, tokens: Int? = nil) {
        self.prompt = prompt
        self.target = target
        self.entries = entries
        self.queries = queries
        self.tokens = tokens
    }
}

/// A book before it becomes text: entries in book order and the entries asked for, in question order.
public struct PhoneBook: Equatable, Sendable {
    public var names: [String]
    public var numbers: [String]
    public var queried: [Int]

    public var item: PhoneBookItem {
        let asked = queried.map { names[$0] }
        let question = asked.count == 1
            ? "What is the phone number for \(asked[0])? Find it in the phonebook"
            : "What are the phone numbers for \(Self.list(asked))? Find them in the phonebook"
        var lines = [question + " below.", "Phonebook:"]
        for (name, number) in zip(names, numbers) { lines.append("\(name): \(number)") }
        lines.append(question + " above.")
        return PhoneBookItem(prompt: lines.joined(separator: "\n"),
                             target: queried.map { numbers[$0] }.joined(separator: ", "),
                             entries: names.count, queries: queried.count)
    }

    /// "A", "A and B", "A, B, and C".
    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        case 2: return "\(items[0]) and \(items[1])"
        default: return items.dropLast().joined(separator: ", ") + ", and " + items[items.count - 1]
        }
    }

    /// The book with only the entries at `kept` (ascending), queries renumbered.
    func keeping(_ kept: [Int]) -> PhoneBook {
        var newIndex = [Int: Int]()
        for (new, old) in kept.enumerated() { newIndex[old] = new }
        return PhoneBook(names: kept.map { names[$0] }, numbers: kept.map { numbers[$0] },
                         queried: queried.map { newIndex[$0]! })
    }
}

/// Generates phone books with unique names and numbers within each book.
///
/// Per item: the entry count is uniform in `entries`, the query count uniform in `queries` (at
/// most the entry count); names are drawn uniformly from the census lists, numbers are uniform
/// digits. With a token budget, a book over budget loses unqueried entries (never below the
/// lower end of `entries`) until prompt plus target fit; a book that cannot fit is drawn again.
public struct PhoneBookGenerator {
    public let names: CensusNames
    public let entries: ClosedRange<Int>
    public let queries: ClosedRange<Int>
    public let maxTokens: Int?
    public let tokenCount: TokenCounter

    public init(names: CensusNames, entries: ClosedRange<Int>, queries: ClosedRange<Int>,
                maxTokens: Int? = nil, tokenCount: @escaping TokenCounter = utf8ByteCount) throws {
        guard entries.lowerBound >= 1, queries.lowerBound >= 1 else {
            throw ToolError.usage("--entries and --queries must start at 1 or more")
        }
        guard queries.lowerBound <= entries.upperBound else {
            throw ToolError.usage("--queries \(queries.lowerBound)-\(queries.upperBound) asks for more numbers than --entries \(entries.lowerBound)-\(entries.upperBound) holds")
        }
        guard !names.first.isEmpty, !names.last.isEmpty,
              names.first.count * names.last.count >= entries.upperBound else {
            throw ToolError.usage("too few census names for books of \(entries.upperBound) entries")
        }
        if let maxTokens, maxTokens < 1 { throw ToolError.usage("--max-tokens must be positive") }
        self.names = names
        self.entries = entries
        self.queries = queries
        self.maxTokens = maxTokens
        self.tokenCount = tokenCount
    }

    public func generate(count: Int, seed: UInt64) throws -> [PhoneBookItem] {
        var rng = SplitMix64(seed: seed)
        return try (0..<count).map { _ in try item(&rng) }
    }

    /// One item, redrawn while it cannot fit the budget.
    public func item(_ rng: inout SplitMix64) throws -> PhoneBookItem {
        let attempts = 100
        for _ in 0..<attempts {
            let book = draw(&rng)
            guard let maxTokens else { return book.item }
            if let fitted = fit(book, maxTokens: maxTokens, rng: &rng) { return fitted }
        }
        throw ToolError.usage("--max-tokens \(maxTokens ?? 0) is too small for books of \(max(entries.lowerBound, queries.lowerBound)) entries and \(queries.lowerBound) queries (\(attempts) draws failed); raise --max-tokens or lower --entries/--queries")
    }

    func draw(_ rng: inout SplitMix64) -> PhoneBook {
        let entryCount = rng.uniform(max(entries.lowerBound, queries.lowerBound)...entries.upperBound, by: .rejection)
        let queryCount = rng.uniform(queries.lowerBound...min(queries.upperBound, entryCount), by: .rejection)
        var bookNames: [String] = [], numbers: [String] = []
        var usedNames = Set<String>(), usedNumbers = Set<String>()
        while bookNames.count < entryCount {
            let name = names.first[rng.below(names.first.count, by: .rejection)] + " " + names.last[rng.below(names.last.count, by: .rejection)]
            guard usedNames.insert(name).inserted else { continue }
            var number = ""
            repeat { number = Self.phoneNumber(&rng) } while !usedNumbers.insert(number).inserted
            bookNames.append(name)
            numbers.append(number)
        }
        return PhoneBook(names: bookNames, numbers: numbers, queried: rng.distinct(queryCount, below: entryCount, by: .rejection))
    }

    /// ddd-ddd-dddd.
    static func phoneNumber(_ rng: inout SplitMix64) -> String {
        var digits = ""
        for position in 0..<10 {
            if position == 3 || position == 6 { digits.append("-") }
            digits.append(Character(String(rng.below(10, by: .rejection))))
        }
        return digits
    }

    /// The largest version of `book` (dropping unqueried entries in a random order) that fits.
    func fit(_ book: PhoneBook, maxTokens: Int, rng: inout SplitMix64) -> PhoneBookItem? {
        func measured(_ b: PhoneBook) -> PhoneBookItem {
            var item = b.item
            item.tokens = tokenCount(item.prompt) + tokenCount(item.target)
            return item
        }
        let full = measured(book)
        if full.tokens! <= maxTokens { return full }
        let queriedSet = Set(book.queried)
        var droppable = (0..<book.names.count).filter { !queriedSet.contains($0) }
        rng.shuffle(&droppable, by: .rejection)
        func version(keepingUnqueried k: Int) -> PhoneBook {
            book.keeping((book.queried + droppable.prefix(k)).sorted())
        }
        // Tokens grow with the number of entries kept: binary search the most that fit.
        let fewest = max(0, entries.lowerBound - book.queried.count)
        var best: PhoneBookItem? = nil
        var lo = fewest, hi = droppable.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let candidate = measured(version(keepingUnqueried: mid))
            if candidate.tokens! <= maxTokens { best = candidate; lo = mid + 1 } else { hi = mid - 1 }
        }
        return best
    }
}
