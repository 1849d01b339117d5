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

/// Phone-book accuracy, per number and per query (all of a query's numbers right), broken down by
/// how many numbers were asked for.
public struct PhoneBookTally: Equatable, Sendable {
    public struct Row: Equatable, Sendable {
        public var queried: Int
        public var items = 0, itemsCorrect = 0, numbers = 0, numbersCorrect = 0
        public var numberAccuracy: Double { numbers == 0 ? 0 : Double(numbersCorrect) / Double(numbers) }
        public var queryAccuracy: Double { items == 0 ? 0 : Double(itemsCorrect) / Double(items) }
    }

    private var byQueried: [Int: Row] = [:]

    public init() {}

    public mutating func add(prediction: String, target: String) {
        let (correct, total) = PhoneBookMetrics.correctNumbers(prediction: prediction, target: target)
        var row = byQueried[total] ?? Row(queried: total)
        row.items += 1
        row.numbers += total
        row.numbersCorrect += correct
        if correct == total { row.itemsCorrect += 1 }
        byQueried[total] = row
    }

    /// One row per number of queried numbers, ascending.
    public var rows: [Row] { byQueried.keys.sorted().map { byQueried[$0]! } }

    /// All items together.
    public var total: Row {
        rows.reduce(into: Row(queried: 0)) { sum, row in
            sum.items += row.items
            sum.itemsCorrect += row.itemsCorrect
            sum.numbers += row.numbers
            sum.numbersCorrect += row.numbersCorrect
        }
    }
}
