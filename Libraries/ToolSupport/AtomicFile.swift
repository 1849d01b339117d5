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
        try OutputFile.prepare(path)
        let url = URL(fileURLWithPath: path)
        OutputFile.removeStaleTemporaries(of: url)
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

    /// Refuses (usage error) an output that is one of the inputs, by device and inode, so that
    /// `tokenize encode -m t.model -o t.model` cannot destroy its own model. `-` and nil are skipped.
    public static func refuseOverwriting(inputs: [String?], outputs: [String?]) throws {
        func identity(_ path: String) -> [UInt64]? {
            var s = stat()
            return path != "-" && stat(path, &s) == 0 ? [UInt64(s.st_dev), UInt64(s.st_ino)] : nil
        }
        for output in outputs.compactMap({ $0 }) {
            guard let written = identity(output) else { continue }
            if let input = inputs.compactMap({ $0 }).first(where: { identity($0) == written }) {
                throw ToolError(.usage, "\(output): is also an input (\(input)); write the output to another file")
            }
        }
    }

    /// Checks before any work that `path` can be written: not a folder, its folder created if
    /// missing (so `-o run/m.ckpt` works in a fresh checkout) and writable. Tools call it for every
    /// output at start, so a long run never fails only at its end.
    public static func prepare(_ path: String) throws {
        guard path != "-" else { return }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw ToolError(.usage, "\(path): is a folder; give a file path for the output")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ToolError(.failure, "\(path): cannot create the folder \(folder) (check the path and permissions)")
        }
        guard access(folder, W_OK) == 0 else {
            throw ToolError(.failure, "\(path): the folder \(folder) is not writable")
        }
    }

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
