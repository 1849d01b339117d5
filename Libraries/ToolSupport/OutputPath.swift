import Foundation

/// What an output path names, found before anything is written. A regular file (or a path that
/// does not exist yet) is replaced atomically; a character device or a FIFO is written through,
/// because renaming a temporary file over `/dev/null` would replace the machine's device; a
/// symbolic link is followed, so its target is replaced in the target's folder and the link stays.
public enum OutputTarget: Equatable, Sendable {
    case standardOutput            // "-"
    case stream(String)            // a character device or FIFO: opened and written in place
    case file(String)              // a regular file, new or existing, after following links

    /// Classifies `path`; a folder, a block device, an empty path or a loop of links is a usage
    /// error (exit 64).
    public static func of(_ path: String) throws -> OutputTarget {
        if path == "-" { return .standardOutput }
        guard !path.isEmpty else { throw ToolError(.usage, "an output path is empty; give a file name or - for stdout") }
        var s = stat()
        if stat(path, &s) == 0 {   // exists, after every link (also /proc's, e.g. /dev/stdout to a pipe)
            switch s.st_mode & S_IFMT {
            case S_IFREG:
                guard let real = realpath(path, nil) else { return .file(path) }
                defer { free(real) }
                return .file(String(cString: real))
            case S_IFCHR, S_IFIFO, S_IFSOCK: return .stream(path)
            case S_IFDIR: throw ToolError(.usage, "\(path): is a folder; give a file path for the output")
            default: throw ToolError(.usage, "\(path): is neither a file, a character device nor a FIFO; write the output to a file")
            }
        }
        if errno == ELOOP { throw ToolError(.usage, "\(path): too many levels of symbolic links; write the output to a file") }
        // A new file, or a link to one: the file the link names is created.
        var current = path
        for _ in 0..<40 {
            guard lstat(current, &s) == 0, s.st_mode & S_IFMT == S_IFLNK else { return .file(current) }
            current = try linkTarget(current, of: path)
        }
        throw ToolError(.usage, "\(path): too many levels of symbolic links; write the output to a file")
    }

    private static func linkTarget(_ link: String, of path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(link, &buffer, buffer.count - 1)
        guard n >= 0 else { throw ToolError(.failure, "\(path): cannot read the link \(link): \(String(cString: strerror(errno)))") }
        let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let folder = folderAndName(link).folder
        return target.hasPrefix("/") || folder.isEmpty ? target : folder + "/" + target
    }

    /// The path written: the link's target for a link, the path itself otherwise.
    public var resolvedPath: String? {
        switch self {
        case .standardOutput: nil
        case .stream(let p), .file(let p): p
        }
    }
}

/// `a/b/c` -> (`a/b`, `c`); `c` -> (``, `c`); `/c` -> (`/`, `c`).
func folderAndName(_ path: String) -> (folder: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return ("", path) }
    let folder = String(path[..<slash])
    return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
}

extension OutputFile {
    /// Checks before any work that `path` can be written, so a long run never fails only at its
    /// end: a file's folder is created if missing (`-o run/m.ckpt` in a fresh checkout) and a
    /// temporary file is made and removed there (a read-only folder or an over-long name fails
    /// now); a device or FIFO must be writable.
    public static func prepare(_ path: String) throws {
        switch try OutputTarget.of(path) {
        case .standardOutput: return
        case .stream(let p):
            guard access(p, W_OK) == 0 else { throw ToolError(.failure, "\(path): not writable: \(String(cString: strerror(errno)))") }
        case .file(let p):
            let (probe, fd) = try createTemporary(for: p, output: path)
            close(fd)
            unlink(probe)
        }
    }

    /// Opens the temporary file beside `file` (the output `output` resolved), creating its folder
    /// if missing; a read-only folder is exit 1, an over-long name a usage error.
    static func createTemporary(for file: String, output path: String) throws -> (path: String, fd: Int32) {
        let folder = folderAndName(file).folder
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw ToolError(.failure, "\(path): cannot create the folder \(folder) (check the path and permissions)")
            }
        }
        let tmp = temporaryPath(for: file)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = errno
            if reason == ENAMETOOLONG { throw ToolError(.usage, "\(path): the file name is too long; give a shorter one") }
            throw ToolError(.failure, "\(path): cannot write in \(folder.isEmpty ? "." : folder): \(String(cString: strerror(reason))) (check the folder is writable)")
        }
        return (tmp, fd)
    }

    /// The temporary name beside `file`: hidden, and named by our pid so that stale ones can be
    /// told from live ones.
    static func temporaryPath(for file: String) -> String {
        let (folder, name) = folderAndName(file)
        return (folder.isEmpty ? "" : folder == "/" ? "/" : folder + "/") + ".\(name).tmp-\(getpid())"
    }

    /// Checks a command's outputs before any work: `refuseCollisions`, then `prepare` for each.
    /// Refuses (usage error) an output that is one of the inputs, or two outputs
    /// that are the same file, so `tokenize encode -m t.model -o t.model` cannot destroy its model
    /// and `--metrics` cannot silently take `-o`'s place. Files are compared by device and inode
    /// (after links), outputs that do not exist yet by their resolved path. `-`, nil, devices and
    /// FIFOs are skipped: two streams may share a terminal.
    public static func checkAtStart(outputs: [String?], inputs: [String?]) throws {
        try refuseCollisions(inputs: inputs, outputs: outputs)
        for path in outputs.compactMap({ $0 }) { try prepare(path) }
    }

    static func refuseCollisions(inputs: [String?], outputs: [String?]) throws {
        func inode(_ path: String) -> [UInt64]? {
            var s = stat()
            return path != "-" && stat(path, &s) == 0 && (s.st_mode & S_IFMT) == S_IFREG ? [UInt64(s.st_dev), UInt64(s.st_ino)] : nil
        }
        func identity(ofOutput path: String) -> String? {
            if let i = inode(path) { return "inode \(i)" }
            guard case .file(let p)? = try? OutputTarget.of(path) else { return nil }
            let (folder, name) = folderAndName(p)
            var real = folder.isEmpty ? "." : folder
            if let resolved = realpath(real, nil) { real = String(cString: resolved); free(resolved) }
            return "path \(real)/\(name)"
        }
        var seen: [String: String] = [:]
        for output in outputs.compactMap({ $0 }) {
            if let written = inode(output),
               let input = inputs.compactMap({ $0 }).first(where: { inode($0) == written }) {
                throw ToolError(.usage, "\(output): is also an input (\(input)); write the output to another file")
            }
            guard let id = identity(ofOutput: output) else { continue }
            if let other = seen[id] {
                let same = other == output ? "given for two outputs" : "the same file as the output \(other)"
                throw ToolError(.usage, "\(output): \(same); give each output its own file")
            }
            seen[id] = output
        }
    }
}
