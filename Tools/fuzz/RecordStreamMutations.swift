import Formats

/// Where the parts of a record stream (docs/FORMATS.md, "Record stream, byte by byte") lie in a
/// file, read as far as the bytes allow. Mutations aim at these parts and then recompute the
/// checksums, so the reader's checks after the checksums (sizes, token ids, counts) are reached.
struct RecordLayout {
    var vocabularySize = 0
    var compressed = false
    var fieldSizes: [Int] = []
    var headerNumbers: [(offset: Int, width: Int)] = []   // version, flags, V, F, descriptors, P
    var provenance: Range<Int>?                           // the JSON, after its u32 length
    var headerEnd = 0                                      // after the header's CRC
    var chunks: [Range<Int>] = []                          // whole frames
    var end: Range<Int>?                                   // the end frame

    static func u32(_ b: [UInt8], _ at: Int) -> Int? {
        guard at >= 0, at + 4 <= b.count else { return nil }
        return (0..<4).reduce(0) { $0 | Int(b[at + $1]) << (8 * $1) }
    }

    init?(_ b: [UInt8]) {
        guard b.count >= 17 else { return nil }
        compressed = b[10] & 1 == 1
        vocabularySize = Self.u32(b, 12)!
        headerNumbers = [(8, 2), (10, 2), (12, 4), (16, 1)]
        var at = 17
        for _ in 0..<Int(b[16]) {
            guard at + 3 <= b.count else { return nil }
            headerNumbers += [(at, 1), (at + 1, 1), (at + 2, 1)]
            fieldSizes.append([1: 1, 2: 2, 3: 4, 4: 4, 5: 4][Int(b[at])] ?? 4)
            at += 3 + Int(b[at + 2])
        }
        guard let p = Self.u32(b, at), at + 4 + p + 4 <= b.count else { return nil }
        headerNumbers.append((at, 4))
        provenance = (at + 4)..<(at + 4 + p)
        headerEnd = at + 4 + p + 4
        at = headerEnd
        while at + 24 <= b.count, b[at..<(at + 4)].elementsEqual("CHNK".utf8), let stored = Self.u32(b, at + 12),
              at + 24 + stored <= b.count {
            chunks.append(at..<(at + 24 + stored))
            at += 24 + stored
        }
        if at + 24 <= b.count, b[at..<(at + 4)].elementsEqual("END!".utf8), let c = Self.u32(b, at + 20), at + 28 + c <= b.count {
            end = at..<(at + 28 + c)
        }
    }

    /// Byte offsets of element counts and of values (with their width) in an uncompressed chunk's payload.
    func payloadPositions(_ b: [UInt8], chunk: Range<Int>, limit: Int = 4096) -> (counts: [Int], values: [(Int, Int)]) {
        var counts: [Int] = [], values: [(Int, Int)] = []
        guard !compressed, !fieldSizes.isEmpty else { return ([], []) }
        var at = chunk.lowerBound + 24
        walk: while at < chunk.upperBound && counts.count < limit {
            for size in fieldSizes {
                guard let n = Self.u32(b, at), at + 4 + n * size <= chunk.upperBound else { break walk }
                counts.append(at)
                for k in 0..<min(n, 64) { values.append((at + 4 + k * size, size)) }
                at += 4 + n * size
            }
        }
        return (counts, values)
    }

    /// Recomputes every checksum the layout reaches: the header's, each chunk's frame header and
    /// (uncompressed) payload, the end frame's.
    static func fixChecksums(_ b: inout [UInt8]) {
        guard let layout = RecordLayout(b) else { return }
        func crc(_ range: Range<Int>) -> UInt64 {
            var c = CRC32C()
            b[range].withUnsafeBytes { c.update($0) }
            return UInt64(c.value)
        }
        Mutator.put(crc(0..<(layout.headerEnd - 4)), width: 4, at: layout.headerEnd - 4, in: &b)
        for chunk in layout.chunks {
            let s = chunk.lowerBound
            if !layout.compressed { Mutator.put(crc((s + 24)..<chunk.upperBound), width: 4, at: s + 16, in: &b) }
            Mutator.put(crc(s..<(s + 20)), width: 4, at: s + 20, in: &b)
        }
        if let end = layout.end { Mutator.put(crc(end.lowerBound..<(end.upperBound - 4)), width: 4, at: end.upperBound - 4, in: &b) }
    }
}

extension Mutator {
    /// A structure-aware edit of a record stream, checksums recomputed (most of the time).
    mutating func mutateRecordStream(_ bytes: inout [UInt8]) {
        guard let layout = RecordLayout(bytes) else { mutateBytes(&bytes); return }
        switch below(8) {
        case 0:   // a header number: version, flags, vocabulary, field count, a descriptor, provenance length
            let (offset, width) = pick(layout.headerNumbers)
            Self.put(interesting(near: layout.vocabularySize), width: width, at: offset, in: &bytes)
        case 1 where !layout.chunks.isEmpty:   // a chunk's record count, raw or stored length
            let chunk = pick(layout.chunks), offset = chunk.lowerBound + pick([4, 8, 12])
            Self.put(interesting(near: RecordLayout.u32(bytes, offset)), width: 4, at: offset, in: &bytes)
        case 2, 3, 4:   // a value (token id, label, index) or an element count
            let (counts, values) = layout.chunks.isEmpty ? ([], []) : layout.payloadPositions(bytes, chunk: pick(layout.chunks))
            if !values.isEmpty && chance(0.7) {
                let (offset, width) = pick(values)
                Self.put(interesting(near: layout.vocabularySize), width: width, at: offset, in: &bytes)
            } else if !counts.isEmpty {
                let offset = pick(counts)
                Self.put(interesting(near: RecordLayout.u32(bytes, offset)), width: 4, at: offset, in: &bytes)
            } else { mutateBytes(&bytes) }
        case 5:   // whole frames: drop, duplicate or swap chunks; drop, repeat or corrupt the end frame
            var frames = layout.chunks.map { Array(bytes[$0]) }
            var end = layout.end.map { Array(bytes[$0]) }
            let tail = Array(bytes[(layout.end?.upperBound ?? layout.chunks.last?.upperBound ?? layout.headerEnd)...])
            switch below(5) {
            case 0 where !frames.isEmpty: frames.remove(at: below(frames.count))
            case 1 where !frames.isEmpty: frames.insert(pick(frames), at: below(frames.count + 1))
            case 2 where frames.count > 1: frames.swapAt(0, frames.count - 1)
            case 3: end = nil
            default:
                if end != nil { Self.put(interesting(), width: 8, at: pick([4, 12]), in: &end!) }
            }
            bytes = Array(bytes[..<layout.headerEnd]) + frames.joined() + (end ?? []) + tail
            if chance(0.2), let e = end { bytes += e }
        case 6:   // the provenance JSON, its length kept consistent
            guard let p = layout.provenance else { break }
            var json = Array(bytes[p])
            mutateJSON(&json)
            bytes.replaceSubrange(p, with: json)
            Self.put(UInt64(json.count), width: 4, at: p.lowerBound - 4, in: &bytes)
        default: mutateBytes(&bytes, most: 2)
        }
        if chance(0.9) { RecordLayout.fixChecksums(&bytes) }
    }
}
