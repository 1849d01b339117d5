import Foundation

/// An open-addressing hash map from byte strings to dense indices 0, 1, 2, ... (in insertion
/// order, so iteration never depends on hashing). Keys live in one arena: no allocation per key.
struct ByteKeyMap {
    private var slots: [Int32]           // index + 1, 0 = empty
    private var mask: Int
    private(set) var hashes: [UInt64] = []
    private(set) var keyStarts: [Int] = [0]
    private(set) var keyBytes: [UInt8] = []

    init(capacity: Int = 1 << 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
    }

    var count: Int { hashes.count }
    var arenaBytes: Int { keyBytes.count }

    @inline(__always)
    static func hash(_ p: UnsafeRawPointer, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            h = (h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        if i < n {
            var t: UInt64 = 0
            var s: UInt64 = 0
            while i < n { t |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << s; s += 8; i += 1 }
            h = (h ^ t) &* 0xC4CE_B9FE_1A85_EC53
        }
        h ^= h >> 29
        h = h &* 0x9E37_79B9_7F4A_7C15
        return h ^ (h >> 32)
    }

    /// Byte equality without a libc call (keys are mostly a few bytes long).
    @inline(__always)
    static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
        var i = 0
        while i + 8 <= n {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        while i < n {
            if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
            i += 1
        }
        return true
    }

    /// The index of the key, or nil.
    @inline(__always)
    func find(_ p: UnsafeRawPointer, _ n: Int, hash h: UInt64) -> Int? {
        var s = Int(truncatingIfNeeded: h) & mask
        return slots.withUnsafeBufferPointer { sl in
            keyBytes.withUnsafeBufferPointer { kb in
                while true {
                    let v = Int(sl[s])
                    if v == 0 { return nil }
                    let idx = v - 1
                    if hashes.withUnsafeBufferPointer({ $0[idx] }) == h {
                        let ks = keyStarts[idx], ke = keyStarts[idx + 1]
                        if ke - ks == n && ByteKeyMap.equal(UnsafeRawPointer(kb.baseAddress! + ks), p, n) { return idx }
                    }
                    s = (s + 1) & mask
                }
            }
        }
    }

    /// Inserts a key known to be absent; returns its index.
    @discardableResult
    mutating func insert(_ p: UnsafeRawPointer, _ n: Int, hash h: UInt64) -> Int {
        if (count + 1) * 2 > slots.count { grow() }
        let idx = count
        hashes.append(h)
        keyBytes.append(contentsOf: UnsafeRawBufferPointer(start: p, count: n))
        keyStarts.append(keyBytes.count)
        place(idx, h)
        return idx
    }

    private mutating func place(_ idx: Int, _ h: UInt64) {
        var s = Int(truncatingIfNeeded: h) & mask
        while slots[s] != 0 { s = (s + 1) & mask }
        slots[s] = Int32(idx + 1)
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        mask = slots.count - 1
        for (i, h) in hashes.enumerated() { place(i, h) }
    }

    /// The key bytes of an index.
    func key(_ idx: Int) -> ArraySlice<UInt8> { keyBytes[keyStarts[idx]..<keyStarts[idx + 1]] }

    mutating func removeAll() {
        for i in slots.indices { slots[i] = 0 }
        hashes.removeAll(keepingCapacity: true)
        keyStarts.removeAll(keepingCapacity: true)
        keyStarts.append(0)
        keyBytes.removeAll(keepingCapacity: true)
    }
}
