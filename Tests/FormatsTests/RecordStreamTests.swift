import Foundation
import Testing
@testable import Formats
import ToolSupport

@Suite struct RecordStreamTests {
    @Test(arguments: [Compression.none, .zstd], [500, 70000])
    func roundTrip(compression: Compression, vocabularySize: Int) throws {
        let dir = temporaryFolder()
        let path = dir + "/a.tok"
        let docs = sampleDocs(count: 400, vocabularySize: vocabularySize, seed: 3)
        try writeDocs(docs, to: path, vocabularySize: vocabularySize, compression: compression)
        let r = try TokenDocumentReader(path: path, vocabularySize: vocabularySize)
        #expect(r.header.fields[0].dtype == (vocabularySize <= 65536 ? .u16 : .u32))
        #expect(r.provenance.arguments == ["a", "b"] && r.provenance.seed == 7)
        var back: [[Int32]] = []
        while let d = try r.next() { back.append(d) }
        #expect(back == docs)
        #expect(r.closing?.inputs.first?.crc32c == "0000002a")
        // Only the finished file exists: no temporary left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["a.tok"])
    }

    @Test func u16IsHalfTheSizeOfU32() throws {
        let dir = temporaryFolder()
        let docs = [[Int32](repeating: 5, count: 100_000)]
        try writeDocs(docs, to: dir + "/s", vocabularySize: 65536)
        try writeDocs(docs, to: dir + "/l", vocabularySize: 65537)
        let s = readBytes(dir + "/s").count, l = readBytes(dir + "/l").count
        #expect(l - s >= 199_000 && l - s < 201_000)
    }

    @Test func genericRecordsOfSeveralFields() throws {
        let dir = temporaryFolder()
        let fields = [Field("input", .u16, isTokenIDs: true), Field("label", .i32),
                      Field("region", .u8), Field("weight", .f32)]
        let w = try RecordWriter(path: dir + "/r", kind: .packedRows, fields: fields, vocabularySize: 1000,
                                 provenance: Provenance(tool: "test"), compression: .zstd)
        let records: [[Column]] = (0..<50).map { i in
            [.ints([1, 2, Int32(i)]), .ints([-1, Int32(i) * 1000]), .ints([0, 1, 2]), .floats([0.5, Float(i)])]
        }
        for r in records { try w.append(r) }
        try w.finish()
        let r = try RecordReader(path: dir + "/r", expecting: .packedRows)
        #expect(r.header.fields == fields)
        var back: [[Column]] = []
        while let x = try r.next() { back.append(x) }
        #expect(back == records)
        // Values that do not fit their field are refused at write time.
        let w2 = try RecordWriter(path: dir + "/r2", kind: .packedRows, fields: fields, vocabularySize: 1000,
                                  provenance: Provenance(tool: "test"))
        #expect(toolError { try w2.append([.ints([1000]), .ints([]), .ints([]), .floats([])]) } != nil)
        #expect(toolError { try w2.append([.ints([1]), .ints([]), .ints([256]), .floats([])]) } != nil)
        w2.discard()
        #expect(!FileManager.default.fileExists(atPath: dir + "/r2"))
    }

    @Test func sameInputsGiveSameBytes() throws {
        let dir = temporaryFolder()
        let docs = sampleDocs(count: 100, vocabularySize: 9000, seed: 5)
        try writeDocs(docs, to: dir + "/a", vocabularySize: 9000, compression: .zstd)
        try writeDocs(docs, to: dir + "/b", vocabularySize: 9000, compression: .zstd)
        #expect(readBytes(dir + "/a") == readBytes(dir + "/b"))
    }

    /// A file cut anywhere before its end is refused: inside the header, inside a chunk, or
    /// cleanly between chunks (what a file still being written looks like).
    @Test func truncatedAnywhereIsRefused() throws {
        let dir = temporaryFolder()
        let path = dir + "/a"
        let w = try TokenDocumentWriter(output: try OutputFile(path), vocabularySize: 500,
                                        provenance: Provenance(tool: "t"))
        for d in sampleDocs(count: 30, vocabularySize: 500, seed: 1) { try w.append(d); try w.flush() }
        try w.finish()
        let full = readBytes(path)
        var cuts = Array(stride(from: 0, to: full.count, by: max(1, full.count / 97)))
        cuts.append(full.count - 1)
        for cut in cuts {
            writeBytes(Array(full[0..<cut]), dir + "/cut")
            let e = toolError { _ = try readAll(dir + "/cut") }
            #expect(e?.code == .dataError, "cut at \(cut)")
            #expect(e.map { !$0.message.contains("\n") && $0.message.hasPrefix(dir + "/cut: ") } == true)
        }
    }

    @Test func stillBeingWrittenSaysSo() throws {
        let dir = temporaryFolder()
        let path = dir + "/a"
        let w = try TokenDocumentWriter(output: try OutputFile(path), vocabularySize: 500,
                                        provenance: Provenance(tool: "t"))
        try w.append([1, 2, 3]); try w.flush()
        // The writer has not finished: the temporary file holds header + chunk, no end frame.
        let tmp = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        try #require(tmp.count == 1)
        #expect(!FileManager.default.fileExists(atPath: path))
        let e = toolError { _ = try readAll(dir + "/" + tmp[0]) }
        #expect(e?.code == .dataError)
        #expect(e?.message.contains("truncated or still being written") == true)
        w.discard()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test func wrongMagicNewerVersionAndCorruption() throws {
        let dir = temporaryFolder()
        try writeDocs([[1, 2, 3], [4]], to: dir + "/a", vocabularySize: 500)
        let good = readBytes(dir + "/a")

        var b = good; b[0] = UInt8(ascii: "X")
        writeBytes(b, dir + "/magic")
        #expect(toolError { _ = try readAll(dir + "/magic") }?.message.contains("wrong magic") == true)

        writeBytes(Array("{\"text\": \"hello\"}\n".utf8), dir + "/text.jsonl")
        #expect(toolError { _ = try readAll(dir + "/text.jsonl") }?.message.contains("make it with `tokenize encode`") == true)
        #expect(StreamKind.packedRows.pipelineFromText == "tokenize encode | corrupt | pack")

        b = good; b[8] = 2
        writeBytes(b, dir + "/newer")
        let newer = toolError { _ = try readAll(dir + "/newer") }
        #expect(newer?.code == .dataError && newer?.message.contains("newer format version 2") == true)

        b = good; b[b.count - 30] ^= 1   // inside the end frame
        writeBytes(b, dir + "/flip")
        #expect(toolError { _ = try readAll(dir + "/flip") }?.code == .dataError)

        writeBytes(good + good, dir + "/twice")
        #expect(toolError { _ = try readAll(dir + "/twice") }?.message.contains("after the end frame") == true)

        let w = try RecordWriter(path: dir + "/rows", kind: .packedRows, fields: [Field("tokens", .u16, isTokenIDs: true)],
                                 vocabularySize: 500, provenance: Provenance(tool: "t"))
        try w.finish()
        #expect(toolError { _ = try readAll(dir + "/rows") }?.message.contains("is a packed-row stream") == true)
    }

    @Test func everyPayloadBitIsChecked() throws {
        let dir = temporaryFolder()
        try writeDocs([[1, 2, 3, 4, 5, 6, 7, 8]], to: dir + "/a", vocabularySize: 500)
        let good = readBytes(dir + "/a")
        let headerLength = RecordWriter.encodeHeader(try TokenDocumentReader(path: dir + "/a").header).count
        for i in headerLength..<good.count {
            var b = good; b[i] ^= 0x10
            writeBytes(b, dir + "/bad")
            #expect(toolError { _ = try readAll(dir + "/bad") }?.code == .dataError, "byte \(i)")
        }
    }

    /// A compressed chunk whose frame header claims another raw length than its zstd frame states
    /// (frame checksum made right) is refused before that length is allocated.
    @Test func zstdChunkClaimingAnotherLengthIsRefused() throws {
        let dir = temporaryFolder()
        try writeDocs(sampleDocs(count: 20, vocabularySize: 500, seed: 3), to: dir + "/z", vocabularySize: 500, compression: .zstd)
        var b = readBytes(dir + "/z")
        let chunk = RecordWriter.encodeHeader(try TokenDocumentReader(path: dir + "/z").header).count
        #expect(b[chunk..<(chunk + 4)].elementsEqual("CHNK".utf8))
        let claimed = UInt32(1 << 30)   // the format's largest chunk
        for i in 0..<4 { b[chunk + 8 + i] = UInt8(truncatingIfNeeded: claimed >> (8 * UInt32(i))) }
        let crc = CRC32C.checksum(b[chunk..<(chunk + 20)])
        for i in 0..<4 { b[chunk + 20 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        writeBytes(b, dir + "/claims")
        let error = toolError { _ = try readAll(dir + "/claims") }
        #expect(error?.code == .dataError && error?.message.contains("does not decompress to the chunk's 1073741824 bytes") == true, "\(String(describing: error))")
    }

    @Test func vocabularyMismatchAndOutOfRangeIds() throws {
        let dir = temporaryFolder()
        try writeDocs([[1, 2, 499]], to: dir + "/a", vocabularySize: 500)
        let e = toolError { _ = try readAll(dir + "/a", vocabularySize: 600) }
        #expect(e?.code == .dataError && e?.message.contains("vocabulary of 500 tokens, not 600") == true)
        // An id >= the vocabulary size (valid checksums) is refused: patch the header's vocabulary.
        var b = readBytes(dir + "/a")
        let hl = RecordWriter.encodeHeader(try TokenDocumentReader(path: dir + "/a").header).count
        var header = try TokenDocumentReader(path: dir + "/a").header
        header.vocabularySize = 400
        let h2 = RecordWriter.encodeHeader(header)
        b.replaceSubrange(0..<hl, with: h2)
        writeBytes(b, dir + "/small")
        let e2 = toolError { _ = try readAll(dir + "/small") }
        #expect(e2?.message.contains("outside the vocabulary of 400") == true)
    }

    @Test func worksThroughAPipe() throws {
        let dir = temporaryFolder()
        try writeDocs(sampleDocs(count: 50, vocabularySize: 700, seed: 9), to: dir + "/a", vocabularySize: 700)
        let pipe = Pipe()
        let bytes = Data(readBytes(dir + "/a"))
        let writer = Thread { pipe.fileHandleForWriting.write(bytes); try? pipe.fileHandleForWriting.close() }
        writer.start()
        let source = PipeSource(fd: pipe.fileHandleForReading.fileDescriptor)
        let r = try TokenDocumentReader(source: source)
        var n = 0
        while try r.next() != nil { n += 1 }
        #expect(n == 50)
    }
}

final class PipeSource: ByteSource {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    var name: String { "<pipe>" }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { max(0, Foundation.read(fd, buffer.baseAddress, min(buffer.count, 777))) }
}
