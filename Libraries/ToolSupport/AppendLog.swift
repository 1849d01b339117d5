import Foundation

/// A log a run appends to as it goes (metrics TSV, controller log), kept across a resume: it starts
/// as `kept` (the lines a resumed run keeps), written atomically for a file, then each line is
/// appended. A device or FIFO (`--metrics /dev/stdout`) is written through, links are followed
/// (OutputTarget). Every failed write is a ToolError naming the file.
public final class AppendLog {
    public let path: String
    private let fd: Int32

    public init(_ path: String, startingWith kept: String) throws {
        self.path = path
        let target = try OutputTarget.of(path)
        if case .file = target { try OutputFile.write(Data(kept.utf8), to: path) }
        let fd: Int32 = switch target {
        case .standardOutput: STDOUT_FILENO
        case .stream(let p): open(p, O_WRONLY | O_CLOEXEC)
        case .file(let p): open(p, O_WRONLY | O_APPEND | O_CLOEXEC)
        }
        guard fd >= 0 else { throw ToolError(.failure, "\(path): cannot open for writing: \(String(cString: strerror(errno)))") }
        self.fd = fd
        if case .file = target { return }
        try append(kept, newline: false)
    }

    /// Appends `line` and a line break in one write (so a killed run leaves whole lines).
    public func append(_ line: String, newline: Bool = true) throws {
        let bytes = Array((newline ? line + "\n" : line).utf8)
        try bytes.withUnsafeBytes { try OutputFile.writeAll($0, to: fd, name: path) }
    }

    deinit { if fd != STDOUT_FILENO { close(fd) } }

    /// The lines of the file at `path` (nil if it cannot be read), for a resumed run to keep.
    public static func existingLines(_ path: String) -> [Substring]? {
        guard case .file(let p)? = try? OutputTarget.of(path),
              let old = try? String(contentsOfFile: p, encoding: .utf8) else { return nil }
        return old.split(separator: "\n")
    }
}
