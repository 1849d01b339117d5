import Foundation

/// Where a stream came from, stored as JSON in its header: the tool and its arguments, the seed,
/// and checksums of inputs known when the stream starts (a model file, say). Inputs read while
/// streaming are only known at the end: they go in the end frame's `Closing` block.
public struct Provenance: Codable, Sendable, Equatable {
    public var tool: String
    public var version: String
    public var arguments: [String]
    public var seed: UInt64?
    public var inputs: [InputChecksum]
    /// Anything else worth recording, e.g. "model-crc32c" or "input-format".
    public var extra: [String: String]

    public init(tool: String, version: String = Provenance.softwareVersion, arguments: [String] = [],
                seed: UInt64? = nil, inputs: [InputChecksum] = [], extra: [String: String] = [:]) {
        self.tool = tool
        self.version = version
        self.arguments = arguments
        self.seed = seed
        self.inputs = inputs
        self.extra = extra
    }

    /// The birdie release that wrote a file.
    public static let softwareVersion = "0.1.0"

    /// A tool's own arguments (without the executable path), as recorded by every tool.
    public static var commandLine: [String] { Array(CommandLine.arguments.dropFirst()) }
}

/// The identity of one input: path as given, size and CRC-32C of its bytes as read.
public struct InputChecksum: Codable, Sendable, Equatable {
    public var path: String
    public var bytes: Int
    public var crc32c: String

    public init(path: String, bytes: Int, crc32c: UInt32) {
        self.path = path
        self.bytes = bytes
        self.crc32c = CRC32C.hex(crc32c)
    }

    /// Reads a whole file to checksum it (for inputs that are small or read up front).
    public init(file path: String) throws {
        let source = try FileSource(path: path)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while try buffer.withUnsafeMutableBytes({ try source.read(into: $0) }) > 0 {}
        self.init(path: path, bytes: source.bytesRead, crc32c: source.checksum.value)
    }
}

/// What a writer knows only at the end, stored in the end frame.
public struct Closing: Codable, Sendable, Equatable {
    public var inputs: [InputChecksum]
    public var extra: [String: String]

    public init(inputs: [InputChecksum] = [], extra: [String: String] = [:]) {
        self.inputs = inputs
        self.extra = extra
    }
}

enum CanonicalJSON {
    /// Sorted keys, so the same values always give the same bytes.
    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try! encoder.encode(value))
    }
}
