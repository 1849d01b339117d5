/// Phone-book scoring (docs/METHOD.md 6): the numbers a model writes, in order, against the target's.
public enum PhoneBookMetrics {
    /// The ddd-ddd-dddd numbers in `text`, in order (a longer digit run does not count).
    public static func numbers(in text: String) -> [String] {
        let chars = Array(text.utf8)
        let pattern: [Bool] = [true, true, true, false, true, true, true, false, true, true, true, true]  // digit or "-"
        func isDigit(_ i: Int) -> Bool { i >= 0 && i < chars.count && chars[i] >= 0x30 && chars[i] <= 0x39 }
        var found: [String] = []
        var i = 0
        while i + pattern.count <= chars.count {
            let matches = !isDigit(i - 1) && !isDigit(i + pattern.count) && pattern.indices.allSatisfy { k in
                pattern[k] ? isDigit(i + k) : chars[i + k] == UInt8(ascii: "-")
            }
            if matches {
                found.append(String(decoding: chars[i..<(i + pattern.count)], as: UTF8.self))
                i += pattern.count
            } else {
                i += 1
            }
        }
        return found
    }

    /// How many target numbers the prediction gives at their position (the k-th number written
    /// against the k-th asked for); numbers after the last asked-for one are ignored.
    public static func correctNumbers(prediction: String, target: String) -> (correct: Int, total: Int) {
        let expected = numbers(in: target), written = numbers(in: prediction)
        let correct = zip(expected, written).filter { $0 == $1 }.count
        return (correct, expected.count)
    }
}

/// The graded measures of one answer, from one teacher-forced pass (the true earlier tokens fed
/// in): they move before whole numbers come right, where the exact measure stays at 0.
public struct GradedAnswer: Equatable, Sendable {
    /// Mean negative log-likelihood of the target's tokens, nats per token.
    public var answerNLL: Double
    /// Digits of the target, and those in tokens whose teacher-forced argmax is the true token.
    public var digits: Int, correctDigits: Int
    public var digitAccuracy: Double { digits == 0 ? 0 : Double(correctDigits) / Double(digits) }

    public init(answerNLL: Double, digits: Int, correctDigits: Int) {
        self.answerNLL = answerNLL
        self.digits = digits
        self.correctDigits = correctDigits
    }

    /// Per target token k: its loss, whether its argmax was right, and its count of ASCII digits
    /// (a token's digits count as right together; a token without digits counts for nothing).
    public init(losses: [Double], right: [Bool], digitsPerToken: [Int]) {
        precondition(losses.count == right.count && right.count == digitsPerToken.count && !losses.isEmpty)
        answerNLL = losses.reduce(0, +) / Double(losses.count)
        digits = digitsPerToken.reduce(0, +)
        correctDigits = zip(right, digitsPerToken).reduce(0) { $0 + ($1.0 ? $1.1 : 0) }
    }
}

/// Phone-book accuracy, per number and per query (all of a query's numbers right), and the graded
/// measures' means over books, broken down by how many numbers were asked for and by how many
/// entries the book has (the ladder's rungs).
public struct PhoneBookTally: Equatable, Sendable {
    public struct Row: Equatable, Sendable {
        /// The count of queried numbers (`byQueried`) or of entries (`byEntries`) of the row's books; 0 in `total`.
        public var group: Int
        public var items = 0, itemsCorrect = 0, numbers = 0, numbersCorrect = 0
        /// Sums over books of the graded measures (each book weighs the same).
        public var answerNLLSum = 0.0, digitAccuracySum = 0.0
        public var numberAccuracy: Double { numbers == 0 ? 0 : Double(numbersCorrect) / Double(numbers) }
        public var queryAccuracy: Double { items == 0 ? 0 : Double(itemsCorrect) / Double(items) }
        public var answerNLL: Double { items == 0 ? 0 : answerNLLSum / Double(items) }
        public var digitAccuracy: Double { items == 0 ? 0 : digitAccuracySum / Double(items) }

        mutating func add(_ other: Row) {
            items += other.items
            itemsCorrect += other.itemsCorrect
            numbers += other.numbers
            numbersCorrect += other.numbersCorrect
            answerNLLSum += other.answerNLLSum
            digitAccuracySum += other.digitAccuracySum
        }
    }

    private var queried: [Int: Row] = [:]
    private var entries: [Int: Row] = [:]

    public init() {}

    /// One book: its greedy answer against the target, its entry count and its graded measures.
    public mutating func add(prediction: String, target: String, entries entryCount: Int, graded: GradedAnswer) {
        let (correct, total) = PhoneBookMetrics.correctNumbers(prediction: prediction, target: target)
        var book = Row(group: 0)
        book.items = 1
        book.numbers = total
        book.numbersCorrect = correct
        book.itemsCorrect = correct == total ? 1 : 0
        book.answerNLLSum = graded.answerNLL
        book.digitAccuracySum = graded.digitAccuracy
        queried[total, default: Row(group: total)].add(book)
        entries[entryCount, default: Row(group: entryCount)].add(book)
    }

    /// One row per count of queried numbers, ascending.
    public var byQueried: [Row] { queried.keys.sorted().map { queried[$0]! } }

    /// One row per count of entries, ascending.
    public var byEntries: [Row] { entries.keys.sorted().map { entries[$0]! } }

    /// All books together.
    public var total: Row { byQueried.reduce(into: Row(group: 0)) { $0.add($1) } }
}
