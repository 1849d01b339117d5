import Foundation

/// The three standard streams as a tool finds them. A stream closed by the caller (`>&-`, `2>&-`,
/// `<&-`) is replaced at start by a descriptor that fails every use, so the next file the tool
/// opens cannot take its number (and receive its messages), and using it is an ordinary read or
/// write error: exit 1 and one line, never a crash.
public enum StandardStreams {
    public static func guardClosed() {
        for (fd, flags) in [(STDIN_FILENO, O_WRONLY), (STDOUT_FILENO, O_RDONLY), (STDERR_FILENO, O_RDONLY)] {
            // /dev/null opened the wrong way round: reads of a write-only descriptor and writes
            // to a read-only one fail with EBADF. Opening takes the lowest free number: `fd`.
            if fcntl(fd, F_GETFD) == -1 && errno == EBADF { _ = open("/dev/null", flags | O_CLOEXEC) }
        }
    }

    /// Writes `text` and a line break to stdout: the tools' printed results (tables, listings,
    /// `--print-config`) go through here rather than `print`, so a failure (full disk, closed
    /// stdout) is a ToolError and `corrupt --explain > /dev/full` does not exit 0 with its output lost.
    public static func printOutput(_ text: String) throws {
        let bytes = Array((text + "\n").utf8)
        try bytes.withUnsafeBytes { try OutputFile.writeAll($0, to: STDOUT_FILENO, name: "stdout") }
    }

    /// All of stdin; a read error (a closed stdin) is a ToolError.
    public static func readAll() throws -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n > 0 { data.append(buffer, count: n); continue }
            if n == 0 { return data }
            if errno == EINTR { continue }
            throw ToolError(.failure, "<stdin>: read failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Writes to stderr and ignores failure: a tool whose stderr is gone still exits with its code.
    public static func writeError(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { try? OutputFile.writeAll($0, to: STDERR_FILENO, name: "stderr") }
    }
}
