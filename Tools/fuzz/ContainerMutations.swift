import Controller
import Foundation

/// Mutations of the two files that are a length-prefixed JSON header and raw little-endian data:
/// safetensors checkpoints and training states (u64 length, JSON, tensor bytes), and critic
/// states ("BRDCTRL1", u64 length, JSON, payload whose checksum is in the header). Lengths and the
/// payload checksum are rewritten after an edit, so the checks behind them are reached.
extension Mutator {
    /// Splits at a u64 length prefix at `at`; nil when it does not fit.
    static func split(_ b: [UInt8], lengthAt at: Int) -> (prefix: [UInt8], header: [UInt8], payload: [UInt8])? {
        guard b.count >= at + 8 else { return nil }
        let n = (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) }
        guard n <= UInt64(b.count - at - 8) else { return nil }
        let end = at + 8 + Int(n)
        return (Array(b[..<at]), Array(b[(at + 8)..<end]), Array(b[end...]))
    }

    static func join(_ prefix: [UInt8], _ header: [UInt8], _ data: [UInt8]) -> [UInt8] {
        var length = [UInt8](repeating: 0, count: 8)
        put(UInt64(header.count), width: 8, at: 0, in: &length)
        return prefix + length + header + data
    }

    mutating func mutateSafeTensors(_ bytes: inout [UInt8]) {
        guard let parts = Self.split(bytes, lengthAt: 0) else { mutateBytes(&bytes); return }
        var (header, data) = (parts.header, parts.payload)
        switch below(6) {
        case 0, 1, 2: mutateJSON(&header, depth: 2)   // shapes, offsets, dtype, metadata (config, state)
        case 3: mutateBytes(&data, most: 2)             // values, or the data's length
        case 4: mutateBytes(&bytes); return            // the length prefix too, unstructured
        default:
            let value = interesting()
            Self.put(value, width: 4, at: below(max(data.count, 1)) & ~3, in: &data)
        }
        bytes = Self.join(parts.prefix, header, data)
    }

    mutating func mutateCriticState(_ bytes: inout [UInt8]) {
        guard let parts = Self.split(bytes, lengthAt: 8) else { mutateBytes(&bytes); return }
        var (header, payload) = (parts.header, parts.payload)
        switch below(5) {
        case 0, 1: mutateJSON(&header)        // the header is outside the checksum
        case 2, 3: mutateBytes(&payload, most: 2)
        default: mutateBytes(&bytes); return
        }
        if chance(0.9) {   // the payload checksum made right again
            let text = String(decoding: header, as: UTF8.self)
            if let match = text.firstMatch(of: /"payloadChecksum":\d+/) {
                header = Array(text.replacingCharacters(in: match.range, with: "\"payloadChecksum\":\(fnv1a(Data(payload)))").utf8)
            }
        }
        bytes = Self.join(parts.prefix, header, payload)
    }
}
