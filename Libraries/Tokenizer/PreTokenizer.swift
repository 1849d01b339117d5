/// GPT-2's pre-tokeniser, written by hand over UTF-8 bytes (no regex engine). It splits text
/// into the pieces BPE merges within, exactly as GPT-2's pattern
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// with \p{L} = Unicode letters (general category L*), \p{N} = numbers (N*), \s = White_Space.
/// Bytes that are not valid UTF-8 count as one "other" character each, so every input, valid
/// or not, is split into pieces that concatenate back to it exactly.
public enum PreTokenizer {
    /// The name recorded in model files; change it when the splitting changes.
    public static let name = "gpt2-v1"

    /// The longest piece, in bytes: a longer run of one class (200 MB of letters without a space)
    /// is cut into pieces of this many bytes (at character boundaries, the rest continuing the run),
    /// so BPE's memory per piece stays bounded. Text of words never has pieces this long, so its
    /// pieces are GPT-2's exactly (the name above stays).
    public static let maxPieceBytes = 1 << 16

    enum Class: UInt8 { case other = 0, letter = 1, number = 2, space = 3 }

    /// Classes of the Basic Multilingual Plane, computed once (about 10 ms). A `let` to a table
    /// written only by its initialiser; nonisolated(unsafe) because a raw pointer is not Sendable.
    nonisolated(unsafe) static let bmp: UnsafeMutablePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 0x10000)
        for cp in 0..<0x10000 { t[cp] = classify(UInt32(cp)).rawValue }
        return t
    }()

    static func classify(_ cp: UInt32) -> Class {
        guard let s = Unicode.Scalar(cp) else { return .other }
        if s.properties.isWhitespace { return .space }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    @inline(__always) static func isContinuation(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }

    /// The class and byte length of the character at `i` (an invalid byte is one "other").
    @inline(__always)
    static func character(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int, _ table: UnsafeMutablePointer<UInt8>) -> (UInt8, Int) {
        let b0 = p[i]
        if b0 < 0x80 { return (table[Int(b0)], 1) }
        if b0 < 0xC2 { return (0, 1) }
        if b0 < 0xE0 {
            guard i + 1 < n, isContinuation(p[i + 1]) else { return (0, 1) }
            return (table[Int(b0 & 0x1F) << 6 | Int(p[i + 1] & 0x3F)], 2)
        }
        if b0 < 0xF0 {
            guard i + 2 < n else { return (0, 1) }
            let b1 = p[i + 1]
            let lo: UInt8 = b0 == 0xE0 ? 0xA0 : 0x80, hi: UInt8 = b0 == 0xED ? 0x9F : 0xBF
            guard b1 >= lo, b1 <= hi, isContinuation(p[i + 2]) else { return (0, 1) }
            return (table[Int(b0 & 0x0F) << 12 | Int(b1 & 0x3F) << 6 | Int(p[i + 2] & 0x3F)], 3)
        }
        if b0 < 0xF5 {
            guard i + 3 < n else { return (0, 1) }
            let b1 = p[i + 1]
            let lo: UInt8 = b0 == 0xF0 ? 0x90 : 0x80, hi: UInt8 = b0 == 0xF4 ? 0x8F : 0xBF
            guard b1 >= lo, b1 <= hi, isContinuation(p[i + 2]), isContinuation(p[i + 3]) else { return (0, 1) }
            let cp = UInt32(b0 & 0x07) << 18 | UInt32(b1 & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6 | UInt32(p[i + 3] & 0x3F)
            return (classify(cp).rawValue, 4)
        }
        return (0, 1)
    }

    /// Calls `body(start, end)` for each piece of `text`, in order; the pieces tile the text.
    @inline(__always)
    public static func split(_ text: UnsafeRawBufferPointer, _ body: (Int, Int) -> Void) {
        guard let base = text.baseAddress else { return }
        let p = base.assumingMemoryBound(to: UInt8.self)
        let n = text.count
        let table = bmp
        let space = Class.space.rawValue
        var i = 0
        while i < n {
            let start = i
            let b = p[i]
            // 's 't 're 've 'm 'll 'd
            if b == 0x27, i + 1 < n {
                let c = p[i + 1]
                if c == 0x73 || c == 0x74 || c == 0x6D || c == 0x64 { body(i, i + 2); i += 2; continue }
                if i + 2 < n {
                    let d = p[i + 2]
                    if (c == 0x72 && d == 0x65) || (c == 0x76 && d == 0x65) || (c == 0x6C && d == 0x6C) {
                        body(i, i + 3); i += 3; continue
                    }
                }
            }
            var (cls, len) = character(p, i, n, table)
            if b == 0x20, i + 1 < n {
                // " ?X+": a space joins the run of letters, numbers or others after it.
                let (next, nextLen) = character(p, i + 1, n, table)
                if next != space { cls = next; len = 1 + nextLen }
            }
            let bound = start + maxPieceBytes
            if cls != space {
                i += len
                while i < n {
                    let (c, l) = character(p, i, n, table)
                    if c != cls || i + l > bound { break }
                    i += l
                }
                body(start, i)
                continue
            }
            // A run of white space; before non-space, its last character is left for the next piece.
            var lastStart = i
            i += len
            var cut = false
            while i < n {
                let (c, l) = character(p, i, n, table)
                if c != space { break }
                if i + l > bound { cut = true; break }
                lastStart = i
                i += l
            }
            if i < n && lastStart > start && !cut {
                body(start, lastStart)
                i = lastStart
            } else {
                body(start, i)
            }
        }
    }
}
