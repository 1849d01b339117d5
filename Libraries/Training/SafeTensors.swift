import Foundation
import ToolSupport

/// safetensors: an 8-byte little-endian header length, a JSON header (tensor name -> dtype, shape,
/// byte offsets into the data; "__metadata__" -> string map), then raw little-endian tensor bytes.
/// We write only F32 and pad the header with spaces to a multiple of 8, as the reference does.
public enum SafeTensors {
    public struct Tensor {
        public var name: String
        public var shape: [Int]
        public var values: UnsafeBufferPointer<Float>
        public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
            self.name = name; self.shape = shape; self.values = values
        }
    }

    /// Encodes tensors (in the given order) and metadata.
    public static func encode(_ tensors: [Tensor], metadata: [String: String]) -> Data {
        var entries: [String] = []
        var offset = 0
        let quote = JSON.quote
        let meta = metadata.keys.sorted().map { "\(quote($0)):\(quote(metadata[$0]!))" }.joined(separator: ",")
        entries.append("\"__metadata__\":{\(meta)}")
        for t in tensors {
            let bytes = t.values.count * 4
            entries.append("\(quote(t.name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for t in tensors {
            // Little-endian hosts only (x86-64, arm64): the Float bytes are already in file order.
            data.append(UnsafeBufferPointer(start: UnsafeRawPointer(t.values.baseAddress!).assumingMemoryBound(to: UInt8.self),
                                            count: t.values.count * 4))
        }
        return data
    }

    /// A parsed file: metadata and each tensor's shape and values.
    public struct File {
        public var metadata: [String: String]
        public var shapes: [String: [Int]]
        public var values: [String: [Float]]
    }

    /// Decodes and checks a file; any inconsistency is bad input in `path` (exit 65).
    public static func decode(_ data: Data, path: String) throws -> File {
        func bad(_ problem: String) -> ToolError {
            .badInput(path, "not a valid safetensors checkpoint: \(problem)", fix: "use a checkpoint written by `train` (or restore a good copy)")
        }
        guard data.count >= 8 else { throw bad("shorter than its 8-byte header length") }
        let headerLength = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8), headerLength < 100_000_000 else { throw bad("header length \(headerLength) exceeds the file") }
        let headerEnd = 8 + Int(headerLength)
        guard let json = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd)) as? [String: Any] else {
            throw bad("header is not a JSON object")
        }
        var file = File(metadata: [:], shapes: [:], values: [:])
        let dataSize = data.count - headerEnd
        var end = 0
        // Sizes are checked against the file before anything is allocated.
        for (name, entry) in json where name != "__metadata__" {
            guard let e = entry as? [String: Any], let shape = e["shape"] as? [Int],
                  let offsets = e["data_offsets"] as? [Int], offsets.count == 2 else {
                throw bad("tensor \(name) has a malformed entry")
            }
            var count = 1
            for dimension in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard dimension >= 0, !overflow, product <= dataSize / 4 else {
                    throw bad("tensor \(name) has shape \(shape), more values than the file holds")
                }
                count = product
            }
            guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataSize, offsets[1] - offsets[0] == count * 4 else {
                throw bad("tensor \(name) bytes \(offsets) do not fit its shape \(shape) or the file (truncated?)")
            }
            end = max(end, offsets[1])
        }
        // A wrong header length shifts every value; the data must end exactly where the tensors do.
        guard end == dataSize else { throw bad("\(dataSize) data bytes after the header, but the tensors end at byte \(end)") }
        for (name, entry) in json {
            if name == "__metadata__" {
                guard let m = entry as? [String: String] else { throw bad("__metadata__ is not a string map") }
                file.metadata = m
                continue
            }
            guard let e = entry as? [String: Any], let dtype = e["dtype"] as? String,
                  let shape = e["shape"] as? [Int], let offsets = e["data_offsets"] as? [Int], offsets.count == 2 else {
                throw bad("tensor \(name) has a malformed entry")
            }
            guard dtype == "F32" else { throw bad("tensor \(name) has dtype \(dtype), expected F32") }
            let count = shape.reduce(1, *)   // checked above
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { dst in
                data.withUnsafeBytes { src in
                    dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[(headerEnd + offsets[0])..<(headerEnd + offsets[1])]))
                }
            }
            file.shapes[name] = shape
            file.values[name] = values
        }
        return file
    }
}
