import Foundation
import Randomness

/// Seeded mutations of bytes, of JSON text (one value token at a time, so the rest stays valid and
/// the reader's later checks are reached) and of JSON lines. The same seed gives the same inputs.
struct Mutator {
    var rng: SplitMix64

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : rng.below(n) }
    mutating func chance(_ p: Double) -> Bool { rng.unit() < p }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// Integers that sit on the limits readers must check: 0, signs, powers of two, type maxima.
    static let interestingIntegers: [UInt64] = [0, 1, 2, 7, 8, 15, 16, 255, 256, 1023, 1024, 65535, 65536,
        0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1 << 32, 1 << 40, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000,
        UInt64.max, UInt64.max - 1, 1 << 30, 1 << 20]

    /// An interesting value near `anchor` (a vocabulary size, a count): anchor-1, anchor, anchor+1, 2*anchor.
    mutating func interesting(near anchor: Int? = nil) -> UInt64 {
        if let anchor, chance(0.4) { return UInt64(bitPattern: Int64(pick([anchor &- 1, anchor, anchor &+ 1, anchor &* 2]))) }
        if chance(0.15) { return rng.next() }
        return pick(Self.interestingIntegers)
    }

    /// Writes the low `width` bytes of `value`, little-endian, at `offset` (clipped to the buffer).
    static func put(_ value: UInt64, width: Int, at offset: Int, in bytes: inout [UInt8]) {
        for i in 0..<width where offset + i < bytes.count { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    // MARK: Bytes

    /// One to `most` unstructured edits: bit flips, interesting integers, deletions, insertions,
    /// duplicated ranges, truncation.
    mutating func mutateBytes(_ bytes: inout [UInt8], most: Int = 4) {
        for _ in 0...below(most) {
            let n = bytes.count
            switch below(9) {
            case 0 where n > 0: bytes[below(n)] ^= UInt8(1 << below(8))
            case 1 where n > 0: bytes[below(n)] = pick([0, 1, 0x7F, 0x80, 0xFF, UInt8(truncatingIfNeeded: rng.next())])
            case 2 where n > 0: Self.put(interesting(), width: pick([2, 4, 8]), at: below(n), in: &bytes)
            case 3 where n > 0:
                let start = below(n)
                bytes.removeSubrange(start..<min(n, start + 1 + below(16)))
            case 4:
                let extra = (0..<(1 + below(16))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                bytes.insert(contentsOf: extra, at: below(n + 1))
            case 5 where n > 0:
                let start = below(n), piece = Array(bytes[start..<min(n, start + 1 + below(64))])
                bytes.insert(contentsOf: piece, at: below(n + 1))
            case 6 where n > 0: bytes.removeSubrange(below(n)...)   // truncated
            case 7 where n > 1:
                let from = below(n), to = below(n), count = min(1 + below(32), n - max(from, to))
                bytes.replaceSubrange(to..<(to + count), with: bytes[from..<(from + count)])
            default: bytes.append(contentsOf: (0..<(1 + below(8))).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            }
        }
    }

    // MARK: JSON text

    /// The value tokens of a JSON text (strings, numbers, true/false/null) as byte ranges; keys
    /// are strings too, which is fine: a mutated key is a missing or unknown field.
    static func valueTokens(_ text: [UInt8]) -> [Range<Int>] {
        var tokens: [Range<Int>] = []
        var i = 0
        while i < text.count {
            let c = text[i]
            if c == UInt8(ascii: "\"") {
                var j = i + 1
                while j < text.count && text[j] != UInt8(ascii: "\"") { j += text[j] == UInt8(ascii: "\\") ? 2 : 1 }
                tokens.append(i..<min(j + 1, text.count)); i = j + 1
            } else if c == UInt8(ascii: "-") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "t")
                        || c == UInt8(ascii: "f") || c == UInt8(ascii: "n") {
                var j = i + 1
                while j < text.count, !" \t\r\n,]}:".utf8.contains(text[j]) { j += 1 }
                tokens.append(i..<j); i = j
            } else { i += 1 }
        }
        return tokens
    }

    static let interestingNumbers = ["0", "-1", "1", "2", "-0", "0.5", "1e999", "-1e999", "1e308", "2147483647", "2147483648",
        "4294967295", "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551615",
        "99999999999999999999", "65535", "65536", "1.5", "1e-320", "NaN", "Infinity"]
    static let interestingValues = ["null", "true", "false", "[]", "{}", "\"\"", "\"x\"", "[[]]", "{\"a\":1}", "[1,2]"]

    /// Replaces one value token of a JSON text: a number by a limit, a string by another or by a
    /// value of another type; strings that hold JSON (a training state, a model configuration) are
    /// mutated inside, then re-escaped. `depth` bounds that recursion.
    mutating func mutateJSON(_ text: inout [UInt8], depth: Int = 2) {
        let tokens = Self.valueTokens(text)
        guard !tokens.isEmpty else { mutateBytes(&text); return }
        let range = pick(tokens)
        let token = Array(text[range])
        var replacement: [UInt8]
        if token.first == UInt8(ascii: "\""), depth > 0, chance(0.5),
           let inner = (try? JSONSerialization.jsonObject(with: Data(token), options: .fragmentsAllowed)) as? String,
           inner.hasPrefix("{") || inner.hasPrefix("[") {
            var innerBytes = Array(inner.utf8)
            mutateJSON(&innerBytes, depth: depth - 1)
            let string = String(decoding: innerBytes, as: UTF8.self)
            replacement = Array((try? JSONSerialization.data(withJSONObject: string, options: .fragmentsAllowed)) ?? Data(token))
        } else if token.first == UInt8(ascii: "\"") {
            switch below(4) {
            case 0: replacement = Array(text[pick(tokens)])                  // another token of the document
            case 1: replacement = Array("\"\(String(repeating: "a", count: pick([1, 255, 4096, 70000])))\"".utf8)
            case 2: replacement = Array(pick(["\"\"", "\"\\u0000\"", "\"\\ud800\"", "\"é\\n\\t\""]).utf8)
            default: replacement = Array(pick(Self.interestingValues + Self.interestingNumbers).utf8)
            }
        } else if let value = Int(String(decoding: token, as: UTF8.self)), chance(0.5) {
            let near = [value &- 1, value &+ 1, value &* 2, 0 &- value, value &* 1000, value / 2]
            replacement = Array(String(pick(near)).utf8)
        } else {
            replacement = Array(pick(chance(0.7) ? Self.interestingNumbers : Self.interestingValues).utf8)
        }
        text.replaceSubrange(range, with: replacement)
    }

    // MARK: JSON lines

    /// Line edits (drop, duplicate, swap, blank or garbage lines) or one JSON edit in one line.
    mutating func mutateLines(_ bytes: inout [UInt8]) {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        guard !lines.isEmpty else { mutateBytes(&bytes); return }
        let i = below(lines.count)
        switch below(8) {
        case 0: lines.remove(at: i)
        case 1: lines.insert(lines[i], at: below(lines.count + 1))
        case 2: lines.swapAt(i, below(lines.count))
        case 3: lines.insert(Array(pick(["", "   ", "{", "[]", "null", "{}", "\u{FEFF}{}", "not json"]).utf8), at: below(lines.count + 1))
        case 4: mutateBytes(&lines[i], most: 2)
        default: mutateJSON(&lines[i])
        }
        bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
    }
}
