import Foundation
import Formats
import ToolSupport
import Vocabulary

/// How a model was trained, kept in its file (sentencepiece style: the model carries its settings).
public struct TrainingInfo: Codable, Sendable, Equatable {
    public var requestedVocabularySize: Int
    public var minFrequency: Int
    public var maxPieceBytes: Int
    public var inputFormat: String
    public var textField: String
    public var corpus: [InputChecksum]
    public var documents: Int
    public var bytes: Int
    public var pieces: Int
    public var uniquePieces: Int

    public init(requestedVocabularySize: Int, minFrequency: Int = 2, maxPieceBytes: Int = 256,
                inputFormat: String = "auto", textField: String = "text", corpus: [InputChecksum] = [],
                documents: Int = 0, bytes: Int = 0, pieces: Int = 0, uniquePieces: Int = 0) {
        self.requestedVocabularySize = requestedVocabularySize
        self.minFrequency = minFrequency
        self.maxPieceBytes = maxPieceBytes
        self.inputFormat = inputFormat
        self.textField = textField
        self.corpus = corpus
        self.documents = documents
        self.bytes = bytes
        self.pieces = pieces
        self.uniquePieces = uniquePieces
    }
}

/// The model file (JSON, keys sorted; docs/FORMATS.md).
struct ModelFile: Codable {
    struct SelfTest: Codable { var text: String; var ids: [TokenID] }
    var format: String
    var version: Int
    var vocabularySize: Int
    var preTokenizer: String
    var reservedIDs: Int
    var byteBase: Int
    var special: [String: TokenID]
    var sentinels: [TokenID]
    var training: TrainingInfo
    var provenance: Provenance
    var selfTest: SelfTest
    var merges: [[TokenID]]

    static let formatName = "birdie-bpe"
    static let currentVersion = 1
}

extension BPEModel {
    /// Text every self-test covers, beyond a sample of the training corpus: scripts, digits,
    /// contractions, white space runs, CRLF, emoji with modifiers, a NUL.
    static let selfTestBase = "Hello, world! It's 2024; they'll re-check x=3.14 \t\r\n  naïve café Привет мир こんにちは 世界 مرحبا 👩🏽‍💻🎉 \u{0}end\n\n"

    /// The model file's bytes: deterministic for the same merges, training info and provenance.
    /// `sample` (e.g. the start of the corpus) joins the self-test text.
    public func fileBytes(provenance: Provenance, sample: [UInt8] = []) -> [UInt8] {
        var text = BPEModel.selfTestBase
        // Keep the longest prefix of the sample that is valid UTF-8 (the file is JSON).
        var cut = min(sample.count, 400)
        while cut > 0, String(validating: sample[0..<cut], as: UTF8.self) == nil { cut -= 1 }
        if cut > 0 { text += String(decoding: sample[0..<cut], as: UTF8.self) }
        let encoder = BPEEncoder(model: self)
        let file = ModelFile(
            format: ModelFile.formatName, version: ModelFile.currentVersion, vocabularySize: vocabularySize,
            preTokenizer: PreTokenizer.name, reservedIDs: Int(Vocabulary.reservedCount),
            byteBase: Int(Vocabulary.byteBase),
            special: Dictionary(uniqueKeysWithValues: SpecialToken.allCases.map { ($0.name, $0.rawValue) }),
            sentinels: [Vocabulary.sentinelBase, Vocabulary.sentinelBase + TokenID(Vocabulary.sentinelCount) - 1],
            training: training, provenance: provenance,
            selfTest: .init(text: text, ids: encoder.encode(text)),
            merges: merges.map { [$0.left, $0.right] })
        let json = JSONEncoder()
        json.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try! json.encode(file)) + [0x0A]
    }

    /// Loads and checks a model file: format, version, id layout, merges, and its self-test.
    public static func load(path: String) throws -> BPEModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ToolError.badInput(path, "cannot read the tokenizer model", fix: "check the path, or train one with `tokenize train`")
        }
        return try load(data: data, name: path)
    }

    public static func load(data: Data, name: String) throws -> BPEModel {
        func bad(_ p: String, fix: String = "retrain it with `tokenize train`") -> ToolError { .badInput(name, p, fix: fix) }
        guard let first = data.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }), first == UInt8(ascii: "{") else {
            throw bad("not a tokenizer model (not JSON)", fix: "pass the file written by `tokenize train -o`")
        }
        let file: ModelFile
        do {
            file = try JSONDecoder().decode(ModelFile.self, from: data)
        } catch {
            // Say "newer" rather than "broken" when a newer build wrote it.
            if let probe = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               probe["format"] as? String == ModelFile.formatName,
               let v = probe["version"] as? Int, v > ModelFile.currentVersion {
                throw bad("written by a newer model format version \(v) (this build reads up to \(ModelFile.currentVersion))",
                          fix: "update birdie, or retrain with this build")
            }
            throw bad("not a valid tokenizer model (\(error.localizedDescription))", fix: "pass the file written by `tokenize train -o`")
        }
        guard file.format == ModelFile.formatName else { throw bad("not a birdie BPE model (format \"\(file.format)\")") }
        guard file.version <= ModelFile.currentVersion else {
            throw bad("written by a newer model format version \(file.version) (this build reads up to \(ModelFile.currentVersion))",
                      fix: "update birdie, or retrain with this build")
        }
        guard file.preTokenizer == PreTokenizer.name else {
            throw bad("uses pre-tokeniser \"\(file.preTokenizer)\", this build has \"\(PreTokenizer.name)\"")
        }
        guard file.reservedIDs == Int(Vocabulary.reservedCount), file.byteBase == Int(Vocabulary.byteBase) else {
            throw bad("reserves \(file.reservedIDs) special ids with bytes at \(file.byteBase); this build expects \(Vocabulary.reservedCount) at \(Vocabulary.byteBase)")
        }
        guard file.merges.allSatisfy({ $0.count == 2 }),
              file.vocabularySize == Int(firstMergeID) + file.merges.count else {
            throw bad("vocabulary size \(file.vocabularySize) does not match its \(file.merges.count) merges (corrupt file)")
        }
        let model: BPEModel
        do {
            model = try BPEModel(merges: file.merges.map { Merge($0[0], $0[1]) }, training: file.training)
        } catch {
            throw bad("invalid merges (corrupt file)")
        }
        let encoder = BPEEncoder(model: model)
        let ids = encoder.encode(file.selfTest.text)
        guard ids == file.selfTest.ids, model.decode(ids) == Array(file.selfTest.text.utf8) else {
            throw bad("self-test failed: this build tokenises the model's sample differently from the build that trained it",
                      fix: "retrain the model with this build")
        }
        return model
    }
}
