import CZstd
import Foundation
import ToolSupport

/// Something bytes are read from in pieces: a file, stdin, or a zstd-decompressing wrapper.
public protocol ByteSource: AnyObject {
    /// The name used in error messages (the path, or "<stdin>").
    var name: String { get }
    /// Fills up to `buffer.count` bytes; returns 0 only at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A file by path, or stdin for "-". Counts and checksums the bytes it reads, for provenance.
public final class FileSource: ByteSource {
    public let name: String
    public let path: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    public private(set) var bytesRead = 0
    public private(set) var checksum = CRC32C()

    public init(path: String) throws {
        self.path = path
        if path == "-" {
            name = "<stdin>"
            fd = STDIN_FILENO
            ownsDescriptor = false
        } else {
            name = path
            fd = open(path, O_RDONLY)
            ownsDescriptor = true
            guard fd >= 0 else {
                let reason = String(cString: strerror(errno))
                throw ToolError.badInput(path, "cannot open: \(reason)", fix: "check the path")
            }
            var st = stat()
            if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                close(fd)
                throw ToolError.badInput(path, "is a folder, not a file", fix: "name the files inside it")
            }
        }
    }

    deinit { if ownsDescriptor { close(fd) } }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Foundation.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 {
                if n > 0 {
                    checksum.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                    bytesRead += n
                }
                return n
            }
            if errno == EINTR { continue }
            throw ToolError(.failure, "\(name): read failed: \(String(cString: strerror(errno)))")
        }
    }
}

/// Streaming zstd decompression of another source (for .jsonl.zst and friends).
public final class ZstdSource: ByteSource {
    public var name: String { inner.name }
    private let inner: ByteSource
    private let stream: OpaquePointer
    private var input: [UInt8]
    private var inPos = 0, inEnd = 0
    private var innerDone = false
    private var frameOpen = false

    public init(_ inner: ByteSource) {
        self.inner = inner
        stream = ZSTD_createDStream()
        ZSTD_initDStream(stream)
        input = [UInt8](repeating: 0, count: ZSTD_DStreamInSize())
    }

    deinit { ZSTD_freeDStream(stream) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            if inPos == inEnd && !innerDone {
                inEnd = try input.withUnsafeMutableBytes { try inner.read(into: $0) }
                inPos = 0
                if inEnd == 0 { innerDone = true }
            }
            if inPos == inEnd && innerDone {
                if frameOpen {
                    throw ToolError.badInput(name, "zstd data ends in the middle of a frame (truncated)",
                                             fix: "re-download or recompress the file")
                }
                return 0
            }
            var out = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
            let result = input.withUnsafeBytes { raw -> Int in
                var inb = ZSTD_inBuffer(src: raw.baseAddress, size: inEnd, pos: inPos)
                let r = ZSTD_decompressStream(stream, &out, &inb)
                inPos = inb.pos
                return r
            }
            if ZSTD_isError(result) != 0 {
                let why = String(cString: ZSTD_getErrorName(result))
                throw ToolError.badInput(name, "not valid zstd data (\(why))",
                                         fix: "check the file is .zst compressed, or rename it without .zst")
            }
            frameOpen = result != 0
            if out.pos > 0 { return out.pos }
        }
    }
}

/// Buffered reading on top of a ByteSource: exact-length reads and line reads.
public final class BufferedReader {
    public let source: ByteSource
    private var buffer: [UInt8]
    private var start = 0, end = 0
    private var atEnd = false
    public private(set) var consumed = 0

    public init(_ source: ByteSource, capacity: Int = 1 << 20) {
        self.source = source
        buffer = [UInt8](repeating: 0, count: capacity)
    }

    public var name: String { source.name }

    /// Reads more into the buffer, keeping unread bytes; false at the end.
    private func fill() throws -> Bool {
        if atEnd { return false }
        if start > 0 {
            if start < end {
                buffer.withUnsafeMutableBytes { b in
                    _ = memmove(b.baseAddress!, b.baseAddress! + start, end - start)
                }
            }
            end -= start
            start = 0
        }
        if end == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
        let n = try buffer.withUnsafeMutableBytes { b in
            try source.read(into: UnsafeMutableRawBufferPointer(rebasing: b[end...]))
        }
        if n == 0 { atEnd = true; return false }
        end += n
        return true
    }

    /// Exactly `count` bytes, or nil when the input ends first; `count` 0 gives [].
    /// `partial` receives how many bytes were available when it ended early.
    public func read(exactly count: Int, partial: inout Int) throws -> [UInt8]? {
        while end - start < count {
            if try !fill() { partial = end - start; return nil }
        }
        let out = Array(buffer[start..<(start + count)])
        start += count
        consumed += count
        return out
    }

    /// True when no byte is left.
    public func isAtEnd() throws -> Bool {
        if start < end { return false }
        return try !fill()
    }

    /// Peeks the first bytes (up to `count`) without consuming them.
    public func peek(_ count: Int) throws -> [UInt8] {
        while end - start < count { if try !fill() { break } }
        return Array(buffer[start..<min(end, start + count)])
    }

    /// The next line without its "\n" (a final line without "\n" counts), or nil at the end.
    /// `body` sees the bytes only during the call.
    public func nextLine<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        var scanFrom = start
        while true {
            let found: Int? = buffer.withUnsafeBytes { b -> Int? in
                guard scanFrom < end,
                      let p = memchr(b.baseAddress! + scanFrom, 0x0A, end - scanFrom) else { return nil }
                return UnsafeRawPointer(p) - b.baseAddress!
            }
            if let nl = found {
                let r = try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<nl])) }
                consumed += nl + 1 - start
                start = nl + 1
                return r
            }
            let scanned = end - start
            if try !fill() {
                if start == end { return nil }
                let r = try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
                consumed += end - start
                start = end
                return r
            }
            scanFrom = start + scanned
        }
    }
}
