/// A small strict JSON parser for one JSONL line: validates the whole line and returns the bytes
/// of one string field of the top-level object (escapes decoded to UTF-8; other bytes as they are).
struct JSONLine {
    enum Failure: Error { case invalid(String) }

    private let p: UnsafeRawBufferPointer
    private var i = 0

    /// The decoded value of `field`, nil when the object lacks it; throws on invalid JSON or when
    /// the field is not a string.
    static func extract(_ field: [UInt8], from line: UnsafeRawBufferPointer) throws -> [UInt8]? {
        var parser = JSONLine(p: line)
        return try parser.topLevel(field)
    }

    private init(p: UnsafeRawBufferPointer) { self.p = p }

    private mutating func skipSpace() {
        while i < p.count, p[i] == 0x20 || p[i] == 0x09 || p[i] == 0x0D || p[i] == 0x0A { i += 1 }
    }

    private func fail(_ what: String) -> Failure { .invalid("\(what) at byte \(i + 1)") }

    private mutating func expect(_ c: UInt8) throws {
        skipSpace()
        guard i < p.count, p[i] == c else {
            throw i < p.count ? fail("expected '\(Character(Unicode.Scalar(c)))'") : fail("line ends early")
        }
        i += 1
    }

    private mutating func topLevel(_ field: [UInt8]) throws -> [UInt8]? {
        skipSpace()
        guard i < p.count, p[i] == UInt8(ascii: "{") else { throw fail("expected a JSON object") }
        i += 1
        var found: [UInt8]? = nil
        skipSpace()
        if i < p.count, p[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipSpace()
                let key = try string()
                try expect(UInt8(ascii: ":"))
                skipSpace()
                if key == field {
                    guard i < p.count, p[i] == UInt8(ascii: "\"") else {
                        throw fail("field \"\(String(decoding: field, as: UTF8.self))\" is not a string")
                    }
                    found = try string()
                } else {
                    try value(depth: 1)
                }
                skipSpace()
                guard i < p.count else { throw fail("line ends inside the object") }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "}") { i += 1; break }
                throw fail("expected ',' or '}'")
            }
        }
        skipSpace()
        guard i == p.count else { throw fail("extra text after the object") }
        return found
    }

    private mutating func value(depth: Int) throws {
        guard depth < 512 else { throw fail("nesting too deep") }
        skipSpace()
        guard i < p.count else { throw fail("line ends early") }
        switch p[i] {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"):
            i += 1; skipSpace()
            if i < p.count, p[i] == UInt8(ascii: "}") { i += 1; return }
            while true {
                skipSpace()
                _ = try string()
                try expect(UInt8(ascii: ":"))
                try value(depth: depth + 1)
                skipSpace()
                guard i < p.count else { throw fail("line ends inside an object") }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "}") { i += 1; return }
                throw fail("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            i += 1; skipSpace()
            if i < p.count, p[i] == UInt8(ascii: "]") { i += 1; return }
            while true {
                try value(depth: depth + 1)
                skipSpace()
                guard i < p.count else { throw fail("line ends inside an array") }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "]") { i += 1; return }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: try number()
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard i + n <= p.count, (0..<n).allSatisfy({ p[i + $0] == word.utf8Start[$0] }) else {
            throw fail("invalid literal")
        }
        i += n
    }

    private mutating func number() throws {
        let start = i
        func digits() -> Int { let s = i; while i < p.count, p[i] >= 0x30, p[i] <= 0x39 { i += 1 }; return i - s }
        if i < p.count, p[i] == UInt8(ascii: "-") { i += 1 }
        guard i < p.count else { throw fail("invalid number") }
        if p[i] == UInt8(ascii: "0") { i += 1 } else if digits() == 0 { i = start; throw fail("invalid value") }
        if i < p.count, p[i] == UInt8(ascii: ".") { i += 1; guard digits() > 0 else { throw fail("invalid number") } }
        if i < p.count, p[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < p.count, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw fail("invalid number") }
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= p.count else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = p[i]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    /// A string at i (which must be '"'), decoded.
    private mutating func string() throws -> [UInt8] {
        guard i < p.count, p[i] == UInt8(ascii: "\"") else { throw fail("expected a string") }
        i += 1
        var out: [UInt8] = []
        while true {
            // Copy the run of plain bytes in one go.
            let runStart = i
            while i < p.count, p[i] != 0x22, p[i] != 0x5C, p[i] >= 0x20 { i += 1 }
            if i > runStart { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: p[runStart..<i])) }
            guard i < p.count else { throw fail("unterminated string") }
            let c = p[i]
            if c == 0x22 { i += 1; return out }
            if c < 0x20 { throw fail("raw control character in a string (must be escaped)") }
            i += 1
            guard i < p.count else { throw fail("unterminated string") }
            let e = p[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var v = try hex4()
                if (0xD800..<0xDC00).contains(v), i + 6 <= p.count, p[i] == 0x5C, p[i + 1] == UInt8(ascii: "u") {
                    let save = i
                    i += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) {
                        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        i = save
                    }
                }
                // A lone surrogate cannot be UTF-8: it becomes U+FFFD, as Python's decoders do with errors="replace".
                let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
                out.append(contentsOf: UTF8.encode(scalar)!)
            default: throw fail("invalid escape \\\(Character(Unicode.Scalar(e)))")
            }
        }
    }
}
