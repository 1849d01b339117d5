import Foundation
import Testing

/// How the tools write (#24), run as a user's shell runs them: a full disk, a closed or broken
/// stream, a device, a link, outputs that collide. Each case gives exit 1 (or 64 for a refusal
/// before any work) and one stderr line naming the file, never a crash, and leaves no temporary
/// file. Devices are private nodes made with mknod in the scratch folder (never /dev/null).
@Suite(.serialized) struct OutputSafetyTests {
    static let train = "\"$BIN/train\" --model hawk --preset tiny --task random-tokens --vocab-size 64 --batch 2 --length 32 --steps 2 -q"
    static let books = "\"$BIN/phonebook-gen\" --names \"$NAMES\" --count 50 -q"
    static let grid = ToolRunner.repository.path + "/Libraries/Objectives/Resources/grids/light.json"

    /// (shell line, exit code, text the one stderr line must hold); "" expects no stderr.
    static let cases: [(String, Int32, String)] = [
        ("\(books) -o - > full", 1, "stdout: write failed: No space left on device; check free space"),
        ("\(books) -o - >&-", 1, "stdout: write failed: Bad file descriptor; the stream is closed"),
        ("trap '' PIPE; \(books) --count 20000 -o - | head -c 10 > got; exit ${PIPESTATUS[0]}", 1, "stdout: write failed: Broken pipe"),
        ("\"$BIN/critic\" --configurations \(grid) -q <&-", 1, "<stdin>: read failed: Bad file descriptor"),
        ("\(train) -o full", 1, "full: write failed: No space left on device; check free space"),
        ("\(train) --metrics full", 1, "full: write failed: No space left on device; check free space"),
        ("\(train) --print-config > full", 1, "stdout: write failed: No space left on device"),
        ("\"$BIN/corrupt\" --mixture light --list-configurations > full", 1, "stdout: write failed: No space left on device"),
        ("\(train) --metrics m.tsv -o m.tsv", 64, "m.tsv: given for two outputs"),
        ("\(train) --metrics c.ckpt.state -o c.ckpt", 64, "c.ckpt.state: given for two outputs"),
        ("\"$BIN/critic\" simulate --configurations 4 --fast 1 -q -o x --configurations-out ./x", 64, "./x: the same file as the output x"),
        ("\"$BIN/critic\" --configurations \(grid) -q in.jsonl -o in.jsonl", 64, "in.jsonl: is also an input"),
        ("\(books) -o \"$NAMES/dist.all.last\"", 64, "dist.all.last: is also an input"),
        ("\(books) -o ''", 64, "an output path is empty"),
        ("\(books) -o \(String(repeating: "n", count: 250))", 64, "the file name is too long"),
        ("\"$BIN/critic\" simulate --configurations 4 --fast 1 -q -o null", 0, ""),
        ("\(train) -o null --metrics null2 && test -c null && test -c null2", 0, ""),
        ("mkfifo f && (cat f > got &) && \(books) -o f && sleep 0.2 && test -p f && test $(wc -l < got) = 50", 0, ""),
        // /dev/stdout's own kind of link (to /proc/self/fd/1, here a file), made privately.
        ("ln -s /proc/self/fd/1 out && \(books) -o out > got && test -L out && test $(wc -l < got) = 50", 0, ""),
        ("echo old > real && ln -s real link && \(books) -o link && test -L link && test $(wc -l < real) = 50", 0, ""),
    ]

    static let canMakeDevices: Bool = {
        let probe = NSTemporaryDirectory() + "birdie-mknod-\(getpid())"
        defer { unlink(probe) }
        return mknod(probe, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0
    }()

    @Test(.enabled(if: canMakeDevices, "needs the right to mknod (root) for private /dev/full and /dev/null nodes"),
          arguments: cases.indices)
    func writesFailInOneLineAndDevicesStayDevices(_ i: Int) throws {
        let (line, status, message) = Self.cases[i]
        let dir = try ToolRunner.temporaryFolder("output-safety")
        // Private copies of /dev/full (1, 7) and /dev/null (1, 3); an empty evaluation file.
        #expect(mknod(dir + "/full", S_IFCHR | 0o666, dev_t(1 << 8 | 7)) == 0)
        #expect(mknod(dir + "/null", S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0)
        #expect(mknod(dir + "/null2", S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0)
        #expect(FileManager.default.createFile(atPath: dir + "/in.jsonl", contents: Data()))
        let before = Set(ToolRunner.files(dir))
        let r = try ToolRunner.run("/bin/bash", ["-c", line], in: dir, environment: [
            "BIN": ToolRunner.binaries.path, "NAMES": try TaskGenTests.census(),
            "PATH": "/usr/bin:/bin"])
        let lines = r.stderr.split(separator: "\n").filter { !$0.contains("precision") }
        #expect(r.status == status, "\(line): \(r.status) \(r.stderr)")
        if message.isEmpty { #expect(lines.isEmpty, "\(r.stderr)") } else {
            #expect(lines.count == 1 && lines[0].contains(message), "\(line): \(r.stderr)")
        }
        let left = Set(ToolRunner.files(dir)).subtracting(before).filter { $0.contains(".tmp-") }
        #expect(left.isEmpty, "temporary files left: \(left)")
        for node in ["full", "null"] {
            var s = stat()
            #expect(lstat(dir + "/" + node, &s) == 0 && s.st_mode & S_IFMT == S_IFCHR, "\(node) is still a device")
        }
        var null = stat()
        #expect(stat("/dev/null", &null) == 0 && null.st_mode & S_IFMT == S_IFCHR, "the machine's /dev/null")
    }
}
