import Foundation

/// The project's one JSON writer, and the value that JSON input of no fixed shape (the critic's
/// evaluation lines) is decoded into. Objects keep their members' order, so each file keeps its
/// documented field order; `sorted` makes one with keys sorted. Non-finite numbers are written
/// as null (JSON has no NaN).
public indirect enum JSON: Equatable, Sendable {
    case null, bool(Bool), int(Int), number(Double), string(String), array([JSON]), object([Member])

    public struct Member: Equatable, Sendable {
        public var key: String
        public var value: JSON
        public init(_ key: String, _ value: JSON) { self.key = key; self.value = value }
    }

    /// An object with the dictionary's keys in sorted order.
    public static func sorted(_ dictionary: [String: JSON]) -> JSON {
        .object(dictionary.keys.sorted().map { Member($0, dictionary[$0]!) })
    }

    /// An object of names and numbers, in the names' order.
    public static func numbers(_ names: [String], _ values: [Double]) -> JSON {
        .object(zip(names, values).map { Member($0, .number($1)) })
    }

    /// The value of `key` in an object (the last one if repeated); nil otherwise.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    /// How numbers are written: Swift's shortest form that reads back to the same double, or a
    /// fixed number of decimals.
    public enum Numbers: Sendable { case shortest, fixed(Int) }

    /// The text: compact (`{"a":1,"b":[2,3]}`) or spaced (`{"a": 1, "b": [2, 3]}`), one line.
    public func text(spaced: Bool = false, numbers: Numbers = .shortest) -> String {
        let comma = spaced ? ", " : ",", colon = spaced ? ": " : ":"
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .number(let x):
            guard x.isFinite else { return "null" }
            switch numbers {
            case .shortest: return "\(x)"
            case .fixed(let decimals): return String(format: "%.\(decimals)f", x)
            }
        case .string(let s): return JSON.quote(s)
        case .array(let items): return "[" + items.map { $0.text(spaced: spaced, numbers: numbers) }.joined(separator: comma) + "]"
        case .object(let members):
            return "{" + members.map { JSON.quote($0.key) + colon + $0.value.text(spaced: spaced, numbers: numbers) }
                .joined(separator: comma) + "}"
        }
    }

    /// `s` as a JSON string, escaping only what JSON requires (see appendJSONString).
    public static func quote(_ s: String) -> String {
        var out: [UInt8] = []
        var s = s
        s.withUTF8 { appendJSONString(UnsafeRawBufferPointer($0), to: &out) }
        return String(decoding: out, as: UTF8.self)
    }
}

extension JSON: Decodable {
    /// Numbers decode as `.number` (JSONDecoder reads doubles exactly).
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let x = try? c.decode(Double.self) { self = .number(x) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSON].self) { self = .array(a) }
        else {
            // Decoded through a dictionary, so the members come out in sorted order.
            self = .sorted(try c.decode([String: JSON].self))
        }
    }
}

/// Writes bytes as a JSON string with minimal escaping: `"` `\` and control characters; every
/// other byte as it is (so UTF-8 text stays readable). The inverse of Formats' JSONLine decoding.
public func appendJSONString(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
    out.append(0x22)
    let hex = Array("0123456789abcdef".utf8)
    for b in bytes {
        switch b {
        case 0x22: out += [0x5C, 0x22]
        case 0x5C: out += [0x5C, 0x5C]
        case 0x0A: out += [0x5C, UInt8(ascii: "n")]
        case 0x0D: out += [0x5C, UInt8(ascii: "r")]
        case 0x09: out += [0x5C, UInt8(ascii: "t")]
        case 0..<0x20: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]]
        default: out.append(b)
        }
    }
    out.append(0x22)
}
