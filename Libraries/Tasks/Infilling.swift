import Foundation
import ToolSupport
import Randomness

/// A document of a corpus JSONL file (`make corpus` writes text, source and part).
public struct CorpusDocument: Codable, Sendable {
    public var text: String
    public var source: String?
    public var part: Int?

    public init(text: String, source: String? = nil, part: Int? = nil) {
        self.text = text
        self.source = source
        self.part = part
    }
}

/// A story-infilling item (docs/METHOD.md 6): `context` holds the numbered entries with one
/// "(blank)" and the question; `choices[label]` is the entry that was removed.
public struct InfillItem: Codable, Equatable, Sendable {
    public var context: String
    public var choices: [String]
    public var label: Int
    /// The document the story comes from ("source#part").
    public var source: String?

    public static let question = "Which choice best fills in the missing entry?"
    public static let blank = "(blank)"
}

/// Builds infilling items from held-out text. A document's entries are its paragraphs (line breaks
/// inside a paragraph become spaces), and a paragraph longer than `maxCharacters` is split into
/// sentences. A story is 3-7 consecutive entries, each `minCharacters...maxCharacters` long and
/// none occurring in `excluded` (the training split's entries); windows never overlap. The three
/// distractors are drawn from the `nearest` entries closest in length to the true one (half to
/// twice its length) that are at least `gap` entries away from the story: from the same source
/// (the same play or page) when it has three, else from the same collection (the source's first
/// path component), else from anywhere.
public struct InfillGenerator {
    public let storyLength: ClosedRange<Int>
    public let minCharacters: Int
    public let maxCharacters: Int
    public let nearest = 16
    public let gap = 3

    private struct Entry { var text: String; var document: Int; var index: Int }
    private let documents: [CorpusDocument]
    private let entries: [[String]]             // per document
    private let usable: [[Bool]]                // per document, per entry
    private let bySource: [String: [Entry]]     // sorted by (length, text, document, index)
    private let byCollection: [String: [Entry]] // sorted the same way
    private let everything: [Entry]             // sorted the same way

    public init(documents: [CorpusDocument], excluded: Set<String> = [], storyLength: ClosedRange<Int> = 3...7,
                minCharacters: Int = 20, maxCharacters: Int = 400) throws {
        guard storyLength.lowerBound >= 2 else { throw ToolError.usage("--story-length must start at 2 or more") }
        guard minCharacters >= 1, minCharacters <= maxCharacters else {
            throw ToolError.usage("entry lengths \(minCharacters)-\(maxCharacters) are empty")
        }
        self.storyLength = storyLength
        self.minCharacters = minCharacters
        self.maxCharacters = maxCharacters
        self.documents = documents
        let entries = documents.map { Self.entries(of: $0.text, maxCharacters: maxCharacters) }
        let usable = entries.map { list in
            list.map { ($0.count >= minCharacters && $0.count <= maxCharacters) && !excluded.contains($0) }
        }
        var all: [Entry] = []
        for (d, list) in entries.enumerated() {
            for (e, text) in list.enumerated() where usable[d][e] { all.append(Entry(text: text, document: d, index: e)) }
        }
        all.sort { ($0.text.count, $0.text, $0.document, $0.index) < ($1.text.count, $1.text, $1.document, $1.index) }
        self.everything = all
        self.bySource = Dictionary(grouping: all) { documents[$0.document].source ?? "" }
        self.byCollection = Dictionary(grouping: all) { Self.collection(documents[$0.document].source) }
        self.entries = entries
        self.usable = usable
    }

    /// Up to `count` items (fewer when the text runs out), in a random order fixed by `seed`.
    public func generate(count: Int, seed: UInt64) -> [InfillItem] {
        var rng = SplitMix64(seed: seed)
        var windows: [(document: Int, range: Range<Int>)] = []
        for d in entries.indices {
            var start = 0
            while start < entries[d].count {
                var end = start
                while end < entries[d].count && usable[d][end] { end += 1 }
                var position = start
                while end - position >= storyLength.lowerBound {
                    let n = rng.uniform(storyLength.lowerBound...min(storyLength.upperBound, end - position), by: .rejection)
                    windows.append((d, position..<(position + n)))
                    position += n
                }
                start = end + 1
            }
        }
        rng.shuffle(&windows, by: .rejection)
        var items: [InfillItem] = []
        for window in windows where items.count < count {
            if let item = makeItem(document: window.document, range: window.range, rng: &rng) { items.append(item) }
        }
        return items
    }

    private func makeItem(document d: Int, range: Range<Int>, rng: inout SplitMix64) -> InfillItem? {
        let story = Array(entries[d][range])
        let blank = rng.below(story.count, by: .rejection)
        let truth = story[blank]
        guard let distractors = distractors(for: truth, story: Set(story), document: d, range: range, rng: &rng) else { return nil }
        var choices = distractors + [truth]
        rng.shuffle(&choices, by: .rejection)
        var lines = story.enumerated().map { "\($0.offset + 1). \($0.offset == blank ? InfillItem.blank : $0.element)" }
        lines.append(InfillItem.question)
        let doc = documents[d]
        return InfillItem(context: lines.joined(separator: "\n"), choices: choices,
                          label: choices.firstIndex(of: truth)!,
                          source: doc.source.map { "\($0)#\(doc.part ?? 0)" })
    }

    /// Three distinct entries near `truth` in length, away from the story.
    private func distractors(for truth: String, story: Set<String>, document: Int, range: Range<Int>,
                             rng: inout SplitMix64) -> [String]? {
        let source = documents[document].source
        let near = (range.lowerBound - gap)..<(range.upperBound + gap)
        let length = truth.count
        for pool in [bySource[source ?? ""] ?? [], byCollection[Self.collection(source)] ?? [], everything] {
            // Walk outwards from the true length, nearest first, within half to twice that length.
            var low = Self.lowerBound(pool, length: length), high = low
            var candidates: [String] = []
            var seen = story
            while candidates.count < nearest {
                let canLow = low > 0 && pool[low - 1].text.count * 2 >= length
                let canHigh = high < pool.count && pool[high].text.count <= length * 2
                guard canLow || canHigh else { break }
                let takeLow = canLow && (!canHigh || length - pool[low - 1].text.count <= pool[high].text.count - length)
                let entry = takeLow ? pool[low - 1] : pool[high]
                if takeLow { low -= 1 } else { high += 1 }
                if entry.document == document && near.contains(entry.index) { continue }
                if seen.insert(entry.text).inserted { candidates.append(entry.text) }
            }
            if candidates.count >= 3 { return rng.distinct(3, below: candidates.count, by: .rejection).map { candidates[$0] } }
        }
        return nil
    }

    private static func lowerBound(_ pool: [Entry], length: Int) -> Int {
        var lo = 0, hi = pool.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if pool[mid].text.count < length { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    static func collection(_ source: String?) -> String {
        guard let source else { return "" }
        return String(source.split(separator: "/", maxSplits: 1).first ?? "")
    }

    /// Paragraphs with inner whitespace squeezed; long ones split into sentences.
    public static func entries(of text: String, maxCharacters: Int = 400) -> [String] {
        var result: [String] = []
        for paragraph in text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n") {
            let squeezed = paragraph.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            guard !squeezed.isEmpty else { continue }
            result += squeezed.count > maxCharacters ? sentences(squeezed) : [squeezed]
        }
        return result
    }

    private static let abbreviations: Set<String> = ["mr.", "mrs.", "ms.", "dr.", "st.", "e.g.", "i.e.", "etc.", "vs.", "cf.", "no."]

    /// Sentences of a squeezed paragraph: a break after ".", "!" or "?" (and closing quotes or
    /// brackets) followed by a space and an upper-case letter, quote or bracket; not after a
    /// known abbreviation.
    public static func sentences(_ text: String) -> [String] {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var result: [String] = [], current: [String] = []
        for (i, word) in words.enumerated() {
            current.append(word)
            let bare = word.trimmingCharacters(in: .init(charactersIn: "\"')]\u{201D}\u{2019}"))
            guard let last = bare.last, ".!?".contains(last), i + 1 < words.count,
                  !abbreviations.contains(bare.lowercased()),
                  let next = words[i + 1].first, next.isUppercase || "\"'([\u{201C}\u{2018}".contains(next)
            else { continue }
            result.append(current.joined(separator: " "))
            current = []
        }
        if !current.isEmpty { result.append(current.joined(separator: " ")) }
        return result
    }
}
