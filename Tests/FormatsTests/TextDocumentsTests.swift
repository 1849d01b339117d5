import CZstd
import Foundation
import Testing
@testable import Formats
import ToolSupport

func readDocuments(_ path: String, format: TextFormat = .auto, field: String = "text") throws -> [String] {
    let r = try TextDocumentReader(path: path, format: format, field: field)
    var docs: [String] = []
    while let d = try r.next() { docs.append(String(decoding: d, as: UTF8.self)) }
    return docs
}

func zstdCompress(_ bytes: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: ZSTD_compressBound(bytes.count))
    let n = out.withUnsafeMutableBytes { o in bytes.withUnsafeBytes { ZSTD_compress(o.baseAddress, o.count, $0.baseAddress, $0.count, 3) } }
    return Array(out[0..<n])
}

@Suite struct TextDocumentsTests {
    @Test func paragraphsSeparatedByBlankLines() throws {
        let dir = temporaryFolder()
        writeBytes(Array("\n\nfirst line\nsecond\n\n\n\nthird\r\nfourth\r\n\r\nlast".utf8), dir + "/a.txt")
        #expect(try readDocuments(dir + "/a.txt") == ["first line\nsecond", "third\r\nfourth", "last"])
        writeBytes([], dir + "/empty.txt")
        #expect(try readDocuments(dir + "/empty.txt") == [])
    }

    @Test func jsonlWithEscapesAndOtherFields() throws {
        let dir = temporaryFolder()
        let lines = [
            #"{"id": 1, "meta": {"a": [1, 2.5e3, true, null, "x"]}, "text": "caf\u00e9 \ud83d\ude00 tab\there \"q\" \\ /"}"#,
            "",
            #"{"text": ""}"#,
            #"{"body": "other field", "text": "emoji 🎉 raw"}"#,
        ]
        writeBytes(Array(lines.joined(separator: "\n").utf8), dir + "/a.jsonl")
        let got = try readDocuments(dir + "/a.jsonl")
        #expect(got == ["café 😀 tab\there \"q\" \\ /", "", "emoji 🎉 raw"])
        writeBytes(zstdCompress(Array(lines.joined(separator: "\n").utf8)), dir + "/a.jsonl.zst")
        #expect(try readDocuments(dir + "/a.jsonl.zst").count == 3)
    }

    @Test(arguments: [
        #"{"text": "unterminated}"#, #"{"text": "x",}"#, #"{"text": "x"} trailing"#, #"["text"]"#,
        #"{"text": 5}"#, #"{"other": "x"}"#, "{\"text\": \"raw\u{1}control\"}", #"{"text": "\q"}"#,
        #"{"text": "x", "n": 01}"#, #"{"text": "x", "n": tru}"#,
    ])
    func invalidJSONLNamesFileAndLine(line: String) throws {
        let dir = temporaryFolder()
        writeBytes(Array(("{\"text\": \"ok\"}\n" + line + "\n").utf8), dir + "/bad.jsonl")
        let e = toolError { _ = try readDocuments(dir + "/bad.jsonl") }
        #expect(e?.code == .dataError)
        #expect(e?.message.hasPrefix(dir + "/bad.jsonl: line 2: ") == true, "\(e?.message ?? "no error")")
    }

    @Test func rawIsTheWholeFileByteForByte() throws {
        let dir = temporaryFolder()
        let bytes: [UInt8] = [0, 0xFF, 0xC3, 0x0A, 0x0A, 0x0D, 0x0A, 0x41]
        writeBytes(bytes, dir + "/a.bin")
        let r = try TextDocumentReader(path: dir + "/a.bin", format: .raw)
        #expect(try r.next() == bytes)
        #expect(try r.next() == nil)
        writeBytes(bytes + [0x0A], dir + "/b.bin")
        #expect(try TextDocumentReader(path: dir + "/b.bin", format: .raw).next() == bytes + [0x0A])
        #expect(r.inputChecksum.bytes == bytes.count && r.inputChecksum.crc32c == CRC32C.hex(CRC32C.checksum(bytes)))
    }

    @Test func crc32cKnownValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        let long = (0..<1000).map { UInt8($0 % 251) }
        var split = CRC32C(); split.update(long[0..<333]); split.update(long[333...])
        #expect(split.value == CRC32C.checksum(long))
    }

    @Test func missingFileIsBadInput() {
        let e = toolError { _ = try readDocuments("/nonexistent/x.txt") }
        #expect(e?.code == .dataError && e?.message.hasPrefix("/nonexistent/x.txt: cannot open") == true)
    }
}
