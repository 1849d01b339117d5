import Foundation

/// Writes a file under a temporary name in the same folder and renames it into place on `commit`,
/// so a crash or error never leaves a file that looks complete. `-` means stdout (streamed; a
/// reader can still tell it is incomplete because stream formats end with an end marker).
public final class OutputFile {
    public let path: String
    private let temporaryPath: String?
    public let handle: FileHandle
    private var finished = false

    public init(_ path: String) throws {
        self.path = path
        if path == "-" {
            temporaryPath = nil
            handle = FileHandle.standardOutput
            return
        }
        let url = URL(fileURLWithPath: path)
        let tmp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        guard FileManager.default.createFile(atPath: tmp, contents: nil),
              let h = FileHandle(forWritingAtPath: tmp) else {
            throw ToolError(.failure, "\(path): cannot create (check the folder exists and is writable)")
        }
        temporaryPath = tmp
        handle = h
        OutputFile.registerForCleanup(tmp)
    }

    public func write(_ data: Data) { handle.write(data) }

    /// Flushes and renames into place.
    public func commit() throws {
        guard !finished else { return }
        finished = true
        guard let tmp = temporaryPath else { return }
        try handle.synchronize()
        try handle.close()
        if rename(tmp, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw ToolError(.failure, "\(path): cannot rename into place: \(reason)")
        }
        OutputFile.unregister(tmp)
    }

    /// Removes the temporary file; the destination is untouched.
    public func discard() {
        guard !finished else { return }
        finished = true
        guard let tmp = temporaryPath else { return }
        try? handle.close()
        unlink(tmp)
        OutputFile.unregister(tmp)
    }

    deinit { discard() }

    /// Writes `data` to `path` atomically in one go.
    public static func write(_ data: Data, to path: String) throws {
        let out = try OutputFile(path)
        out.write(data)
        try out.commit()
    }

    // Temporary files still open when the process exits (error paths call exit()) are removed.
    nonisolated(unsafe) private static var pending = Set<String>()
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed = false
    private static func registerForCleanup(_ tmp: String) {
        lock.lock(); defer { lock.unlock() }
        pending.insert(tmp)
        if !installed {
            installed = true
            atexit { OutputFile.removePending() }
            for sig in [SIGINT, SIGTERM, SIGPIPE, SIGHUP] {
                signal(sig) { s in OutputFile.removePending(); signal(s, SIG_DFL); raise(s) }
            }
        }
    }
    private static func unregister(_ tmp: String) {
        lock.lock(); defer { lock.unlock() }
        pending.remove(tmp)
    }
    private static func removePending() {
        for tmp in pending { unlink(tmp) }
        pending.removeAll()
    }
}
