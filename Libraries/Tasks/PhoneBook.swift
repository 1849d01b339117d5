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

/// How many entries each book gets.
public enum BookSizes: Equatable, Sendable {
    /// Uniform in the range (raised to the lower end of the queries); a book over budget may lose
    /// unqueried entries down to the range's lower end.
    case uniform(ClosedRange<Int>)
    /// Book i gets exactly `rungs[i % rungs.count]` entries, so every rung gets an equal share of the
    /// books in a fixed order (a difficulty ladder); a book over budget is drawn again, never trimmed.
    case rungs([Int])
}

/// Generates phone books with unique names and numbers within each book.
///
/// Per item: the entry count comes from `sizes`, the query count is uniform in `queries` capped at
/// the entry count; names are drawn uniformly from the census lists, numbers are uniform digits.
/// With a token budget, a book over budget loses unqueried entries (never below the lower end of
/// a uniform range, none at all on a rung) until prompt plus target fit; a book that cannot fit is
/// drawn again, at most `attempts` times.
public struct PhoneBookGenerator {
    public let names: CensusNames
    public let sizes: BookSizes
    public let queries: ClosedRange<Int>
    public let maxTokens: Int?
    public let tokenCount: TokenCounter
    /// Draws of one book before the budget is declared too small (a usage error, never a hang).
    public static let attempts = 100

    public init(names: CensusNames, entries: ClosedRange<Int>, queries: ClosedRange<Int>,
                maxTokens: Int? = nil, tokenCount: @escaping TokenCounter = utf8ByteCount) throws {
        guard entries.lowerBound >= 1, queries.lowerBound >= 1 else {
            throw ToolError.usage("--entries and --queries must start at 1 or more")
        }
        guard queries.lowerBound <= entries.upperBound else {
            throw ToolError.usage("--queries \(queries.lowerBound)-\(queries.upperBound) asks for more numbers than --entries \(entries.lowerBound)-\(entries.upperBound) holds")
        }
        try self.init(names: names, sizes: .uniform(entries), largest: entries.upperBound, queries: queries,
                      maxTokens: maxTokens, tokenCount: tokenCount)
    }

    /// Books on a ladder of exact entry counts (`--rungs`); a rung below the lower end of `queries`
    /// asks for all of its entries.
    public init(names: CensusNames, rungs: [Int], queries: ClosedRange<Int>,
                maxTokens: Int? = nil, tokenCount: @escaping TokenCounter = utf8ByteCount) throws {
        guard !rungs.isEmpty, rungs.allSatisfy({ $0 >= 1 }), queries.lowerBound >= 1 else {
            throw ToolError.usage("--rungs needs entry counts of 1 or more and --queries must start at 1 or more")
        }
        // A repeated rung would get a double share of the books: the mix would not be equal.
        guard Set(rungs).count == rungs.count else {
            throw ToolError.usage("--rungs \(Self.list(rungs)) names a rung twice; give each entry count once")
        }
        try self.init(names: names, sizes: .rungs(rungs), largest: rungs.max()!, queries: queries,
                      maxTokens: maxTokens, tokenCount: tokenCount)
    }

    private init(names: CensusNames, sizes: BookSizes, largest: Int, queries: ClosedRange<Int>,
                 maxTokens: Int?, tokenCount: @escaping TokenCounter) throws {
        guard !names.first.isEmpty, !names.last.isEmpty, names.first.count * names.last.count >= largest else {
            throw ToolError.usage("too few census names for books of \(largest) entries")
        }
        if let maxTokens, maxTokens < 1 { throw ToolError.usage("--max-tokens must be positive") }
        self.names = names
        self.sizes = sizes
        self.queries = queries
        self.maxTokens = maxTokens
        self.tokenCount = tokenCount
    }

    static func list(_ rungs: [Int]) -> String { rungs.map(String.init).joined(separator: ",") }

    public func generate(count: Int, seed: UInt64) throws -> [PhoneBookItem] {
        var rng = SplitMix64(seed: seed)
        return try (0..<count).map { try item($0, &rng) }
    }

    /// The entry counts book `index` may have: a uniform range, or its rung alone.
    func entryCounts(book index: Int) -> ClosedRange<Int> {
        switch sizes {
        case .uniform(let entries): return max(entries.lowerBound, queries.lowerBound)...entries.upperBound
        case .rungs(let rungs): let rung = rungs[index % rungs.count]; return rung...rung
        }
    }

    /// Book `index` (counting from 0), redrawn while it cannot fit the budget.
    public func item(_ index: Int, _ rng: inout SplitMix64) throws -> PhoneBookItem {
        let counts = entryCounts(book: index)
        for _ in 0..<Self.attempts {
            let book = draw(&rng, entries: counts)
            guard let maxTokens else { return book.item }
            if let fitted = fit(book, maxTokens: maxTokens, keepingAtLeast: counts.lowerBound, rng: &rng) { return fitted }
        }
        let budget = maxTokens ?? 0, fewest = counts.lowerBound
        switch sizes {
        case .uniform:
            throw ToolError.usage("--max-tokens \(budget) is too small for books of \(fewest) entries and \(queries.lowerBound) queries (\(Self.attempts) draws failed); raise --max-tokens or lower --entries/--queries")
        case .rungs(let rungs):
            throw ToolError.usage("--max-tokens \(budget) is too small for rung \(fewest) of --rungs \(Self.list(rungs)) (books of exactly \(fewest) entries; \(Self.attempts) draws failed); raise --max-tokens or drop \(fewest) from --rungs")
        }
    }

    /// A book with an entry count uniform in `entryCounts` and a query count uniform in `queries`
    /// capped at it.
    func draw(_ rng: inout SplitMix64, entries entryCounts: ClosedRange<Int>) -> PhoneBook {
        let entryCount = rng.uniform(entryCounts, by: .rejection)
        let queryCount = rng.uniform(min(queries.lowerBound, entryCount)...min(queries.upperBound, entryCount), by: .rejection)
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

    /// The largest version of `book` (dropping unqueried entries in a random order, keeping at
    /// least `fewest` entries) that fits.
    func fit(_ book: PhoneBook, maxTokens: Int, keepingAtLeast fewest: Int, rng: inout SplitMix64) -> PhoneBookItem? {
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
        var best: PhoneBookItem? = nil
        var lo = max(0, fewest - book.queried.count), hi = droppable.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let candidate = measured(version(keepingUnqueried: mid))
            if candidate.tokens! <= maxTokens { best = candidate; lo = mid + 1 } else { hi = mid - 1 }
        }
        return best
    }
}
