import Foundation

/// An output of a tool (`-o` and every other written path; see OutputTarget). A file is written
/// under a temporary name in the destination's folder and renamed into place on `commit`, so a
/// crash or error never leaves a file that looks complete; a device or FIFO is written through;
/// `-` is stdout (streamed; stream formats end with an end marker, so a reader can still tell a
/// cut stream). Every failed write is a ToolError (exit 1, one line naming the file).
public final class OutputFile {
    public let path: String
    private let destination: String?
    private let temporaryPath: String?
    private let fd: Int32
    private var finished = false

    public init(_ path: String) throws {
        self.path = path
        switch try OutputTarget.of(path) {
        case .standardOutput:
            (destination, temporaryPath, fd) = (nil, nil, STDOUT_FILENO)
        case .stream(let device):
            let fd = open(device, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw ToolError(.failure, "\(path): cannot open for writing: \(String(cString: strerror(errno)))") }
            (destination, temporaryPath, self.fd) = (nil, nil, fd)
        case .file(let file):
            OutputFile.removeStaleTemporaries(of: URL(fileURLWithPath: file))
            let (tmp, fd) = try OutputFile.createTemporary(for: file, output: path)
            (destination, temporaryPath, self.fd) = (file, tmp, fd)
            OutputFile.registerForCleanup(tmp)
        }
    }

    /// Writes all of `bytes`; a failure (full disk, closed pipe or stream) throws.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try OutputFile.writeAll(bytes, to: fd, name: path == "-" ? "stdout" : path)
    }

    public func write(_ data: Data) throws { try data.withUnsafeBytes { try write($0) } }
    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }
    public func write(_ text: String) throws { try write(Data(text.utf8)) }

    /// Writes all of `bytes` to `fd`, retrying short writes and interruptions.
    public static func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32, name: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n > 0 { offset += n; continue }
            if n < 0 && errno == EINTR { continue }
            throw writeFailed(name, errno: n < 0 ? errno : ENOSPC)
        }
    }

    /// The one-line error of a failed write, with the likely fix.
    public static func writeFailed(_ name: String, errno code: Int32) -> ToolError {
        let fix = switch code {
        case ENOSPC, EDQUOT, EFBIG: "; check free space"
        case EPIPE: "; the reader of the pipe has stopped"
        case EBADF: "; the stream is closed"
        default: ""
        }
        return ToolError(.failure, "\(name): write failed: \(String(cString: strerror(code)))\(fix)")
    }

    /// Temporary files of this output left by processes that no longer run (killed with SIGKILL,
    /// which no handler sees) are removed when the output is written again.
    static func removeStaleTemporaries(of url: URL) {
        let folder = url.deletingLastPathComponent().path
        let prefix = ".\(url.lastPathComponent).tmp-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(folder + "/" + name) }
        }
    }

    /// Flushes and renames into place (a file), or just closes (a device).
    public func commit() throws {
        guard !finished else { return }
        finished = true
        guard let tmp = temporaryPath, let destination else {
            if fd != STDOUT_FILENO { close(fd) }
            return
        }
        defer { OutputFile.unregister(tmp) }
        if fsync(fd) != 0 || close(fd) != 0 {
            let error = OutputFile.writeFailed(path, errno: errno)
            unlink(tmp)
            throw error
        }
        if rename(tmp, destination) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw ToolError(.failure, "\(path): cannot rename into place: \(reason)")
        }
    }

    /// Removes the temporary file; the destination is untouched.
    public func discard() {
        guard !finished else { return }
        finished = true
        if fd != STDOUT_FILENO { close(fd) }
        guard let tmp = temporaryPath else { return }
        unlink(tmp)
        OutputFile.unregister(tmp)
    }

    deinit { discard() }

    /// Writes `data` to `path` atomically in one go.
    public static func write(_ data: Data, to path: String) throws {
        let out = try OutputFile(path)
        try out.write(data)
        try out.commit()
    }

    // Temporary files still open when the process exits (error paths call exit()) or is stopped by
    // a signal are removed. The signal handler may only do async-signal-safe work, so the paths live
    // in a fixed table of C strings: the handler reads slots and calls unlink, nothing else.
    private static let slotCount = 64
    nonisolated(unsafe) private static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let table = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: slotCount)
        table.initialize(repeating: nil, count: slotCount)
        atexit { OutputFile.removePending() }
        // A parent may hand these signals down blocked (Foundation's Process does): unblock them,
        // or a stopped tool would run on. A crash (abort, a Swift trap, a bad access) cleans up
        // too and then dies of the same signal.
        var handled = sigset_t()
        sigemptyset(&handled)
        for sig in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGABRT, SIGILL, SIGTRAP, SIGBUS, SIGSEGV, SIGFPE] {
            signal(sig) { s in OutputFile.removePending(); signal(s, SIG_DFL); raise(s) }
            sigaddset(&handled, sig)
        }
        pthread_sigmask(SIG_UNBLOCK, &handled, nil)
        return table
    }()
    private static let lock = NSLock()

    private static func registerForCleanup(_ tmp: String) {
        lock.lock(); defer { lock.unlock() }
        guard let free = (0..<slotCount).first(where: { slots[$0] == nil }) else { return }
        slots[free] = strdup(tmp)
    }

    private static func unregister(_ tmp: String) {
        lock.lock(); defer { lock.unlock() }
        for i in 0..<slotCount {
            if let path = slots[i], strcmp(path, tmp) == 0 {
                slots[i] = nil   // cleared before freeing, so a handler never reads freed memory
                free(path)
            }
        }
    }

    private static func removePending() {
        for i in 0..<slotCount {
            if let path = slots[i] { unlink(path) }
        }
    }
}
