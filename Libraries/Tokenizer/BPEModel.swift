import Foundation
import Formats
import ToolSupport
import Vocabulary

/// One learned merge: the adjacent pair (left, right) becomes a new token.
public struct Merge: Sendable, Equatable, Hashable {
    public let left: TokenID
    public let right: TokenID
    public init(_ left: TokenID, _ right: TokenID) { self.left = left; self.right = right }
}

/// A byte-level BPE vocabulary: the reserved special ids, 256 byte tokens, then the merges in the
/// order they were learned (merge k creates id `firstMergeID + k`, so a lower id is a higher
/// priority). Immutable and thread-safe; encoding goes through a `BPEEncoder`.
public final class BPEModel: Sendable {
    public static let firstMergeID = Vocabulary.byteBase + 256

    public let merges: [Merge]
    public let vocabularySize: Int
    /// How the model was trained (inputs, sizes), as recorded in the model file.
    public let training: TrainingInfo
    let pairs: PairTable
    private let tokenStarts: [Int]
    private let tokenBytes: [UInt8]

    /// Builds a model from merges (checked: each merge joins existing tokens, never a special one).
    public init(merges: [Merge], training: TrainingInfo) throws {
        var starts = [Int](repeating: 0, count: Int(BPEModel.firstMergeID) + merges.count + 1)
        var bytes: [UInt8] = []
        for b in 0..<256 {
            starts[Int(Vocabulary.byteBase) + b] = bytes.count
            bytes.append(UInt8(b))
            starts[Int(Vocabulary.byteBase) + b + 1] = bytes.count
        }
        for (k, m) in merges.enumerated() {
            let id = Int(BPEModel.firstMergeID) + k
            guard m.left >= Vocabulary.byteBase, m.right >= Vocabulary.byteBase, Int(m.left) < id, Int(m.right) < id else {
                throw ToolError.badInput("model", "merge \(k) (\(m.left), \(m.right)) refers to a special or later token")
            }
            starts[id] = bytes.count
            bytes.append(contentsOf: bytes[starts[Int(m.left)]..<starts[Int(m.left) + 1]])
            bytes.append(contentsOf: bytes[starts[Int(m.right)]..<starts[Int(m.right) + 1]])
            starts[id + 1] = bytes.count
        }
        self.merges = merges
        vocabularySize = Int(BPEModel.firstMergeID) + merges.count
        self.training = training
        tokenStarts = starts
        tokenBytes = bytes
        pairs = PairTable(merges)
    }

    /// The bytes a token stands for (empty for special ids).
    @inline(__always)
    public func bytes(of id: TokenID) -> ArraySlice<UInt8> {
        tokenBytes[tokenStarts[Int(id)]..<tokenStarts[Int(id) + 1]]
    }

    /// Appends the bytes of `ids`; special ids (which no text encodes to) are the caller's to
    /// handle first: here they add nothing.
    public func decode(_ ids: [TokenID], into out: inout [UInt8]) {
        tokenBytes.withUnsafeBufferPointer { tb in
            tokenStarts.withUnsafeBufferPointer { ts in
                for id in ids {
                    let i = Int(id)
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: tb[ts[i]..<ts[i + 1]]))
                }
            }
        }
    }

    public func decode(_ ids: [TokenID]) -> [UInt8] {
        var out: [UInt8] = []
        decode(ids, into: &out)
        return out
    }
}

/// Merge lookup: (left, right) -> merged id, open addressing over 64-bit keys.
struct PairTable: Sendable {
    private let keys: [UInt64]
    private let values: [Int32]
    private let shift: UInt64

    init(_ merges: [Merge]) {
        var bits: UInt64 = 4
        while (1 << bits) < max(16, merges.count * 4) { bits += 1 }
        let size = 1 << Int(bits)
        var keys = [UInt64](repeating: .max, count: size)
        var values = [Int32](repeating: -1, count: size)
        for (k, m) in merges.enumerated() {
            let key = PairTable.key(m.left, m.right)
            var s = PairTable.slot(key, 64 - bits)
            while keys[s] != .max && keys[s] != key { s = (s + 1) & (size - 1) }
            if keys[s] == .max {   // the first (highest-priority) merge of a pair wins
                keys[s] = key
                values[s] = BPEModel.firstMergeID + Int32(k)
            }
        }
        self.keys = keys
        self.values = values
        shift = 64 - bits
    }

    @inline(__always) static func key(_ a: TokenID, _ b: TokenID) -> UInt64 {
        UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
    }
    @inline(__always) static func slot(_ key: UInt64, _ shift: UInt64) -> Int {
        Int((key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The merged id of (a, b), or -1.
    @inline(__always)
    func merged(_ a: TokenID, _ b: TokenID) -> Int32 {
        let key = PairTable.key(a, b)
        let mask = keys.count - 1
        var s = PairTable.slot(key, shift)
        return keys.withUnsafeBufferPointer { k in
            while true {
                let v = k[s]
                if v == key { return values[s] }
                if v == .max { return -1 }
                s = (s + 1) & mask
            }
        }
    }
}
