import Foundation
import Formats
import ToolSupport
import Vocabulary

/// What `tokenize train|encode|decode` do, as library calls (the tool only parses flags).
public enum TokenizeCommands {
    /// How text inputs are read.
    public struct TextInput: Sendable {
        public var format: TextFormat
        public var field: String
        public init(format: TextFormat = .auto, field: String = "text") { self.format = format; self.field = field }
    }

    /// How `decode` writes documents.
    public enum OutputFormat: String, Sendable, CaseIterable {
        /// The encoder's input format, from the stream's provenance (txt if unknown).
        case auto
        /// Documents separated by a blank line, the file ending in "\n".
        case txt
        /// One {"text": ...} object per line.
        case jsonl
        /// Documents concatenated as they are.
        case raw
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// The total size of the inputs when they are all regular files (for progress ETA).
    static func totalBytes(_ paths: [String]) -> Double? {
        var total = 0.0
        for p in paths {
            guard p != "-", let a = try? FileManager.default.attributesOfItem(atPath: p),
                  a[.type] as? FileAttributeType == .typeRegular, let s = a[.size] as? NSNumber else { return nil }
            total += s.doubleValue
        }
        return total
    }

    static func mb(_ bytes: Int, _ nanoseconds: UInt64) -> String {
        String(format: "%.1f MB/s", Double(bytes) / 1e6 / max(Double(nanoseconds) / 1e9, 1e-9))
    }

    // MARK: train

    /// Learns a model from text and writes the model file atomically. Returns the model.
    @discardableResult
    public static func train(inputs: [String], text: TextInput, vocabularySize: Int, minFrequency: Int = 2,
                             maxPieceBytes: Int = 256, output: String, arguments: [String],
                             progress mode: ProgressMode, quiet: Bool = false) throws -> BPEModel {
        let trainer = BPETrainer(vocabularySize: vocabularySize, minFrequency: minFrequency, maxPieceBytes: maxPieceBytes)
        let overall = Progress("tokenize train", mode: .never)   // for the closing line only
        let counting = Progress("tokenize train: reading", total: totalBytes(inputs), unit: "bytes", mode: mode)
        var corpus: [InputChecksum] = []
        var sample: [UInt8] = []
        let t0 = now()
        for path in inputs {
            let reader = try TextDocumentReader(path: path, format: text.format, field: text.field)
            while let doc = try reader.next() {
                if sample.isEmpty { sample = Array(doc.prefix(400)) }
                trainer.add(doc)
                counting.update(Double(corpus.reduce(0) { $0 + $1.bytes } + reader.bytesRead))
            }
            corpus.append(reader.inputChecksum)
        }
        guard trainer.documents > 0 else {
            throw ToolError.badInput(inputs.joined(separator: " "), "no documents to train on",
                                     fix: "check the inputs are not empty and --input-format/--text-field match them")
        }
        let t1 = now()
        let merging = Progress("tokenize train: merging", total: Double(vocabularySize - Vocabulary.minimumSize),
                               unit: "merges", mode: mode)
        let merges = trainer.train { done, _ in merging.update(Double(done)) }
        let t2 = now()
        let info = TrainingInfo(requestedVocabularySize: vocabularySize, minFrequency: trainer.minFrequency,
                                maxPieceBytes: maxPieceBytes, inputFormat: text.format.rawValue, textField: text.field,
                                corpus: corpus, documents: trainer.documents, bytes: trainer.bytes,
                                pieces: trainer.pieceCount, uniquePieces: trainer.uniquePieces)
        let model = try BPEModel(merges: merges, training: info)
        let provenance = Provenance(tool: "tokenize train", arguments: arguments)
        try OutputFile.write(Data(model.fileBytes(provenance: provenance, sample: sample)), to: output)
        if model.vocabularySize < vocabularySize {
            printError("tokenize train: note: only \(merges.count) pairs occur at least \(trainer.minFrequency) times; vocabulary is \(model.vocabularySize), not \(vocabularySize)")
        }
        if !quiet { overall.finish(String(format: "%d documents, %@ bytes, %d distinct pieces, %d merges (vocabulary %d); counting %.2fs, merging %.2fs",
                               trainer.documents, Progress.human(Double(trainer.bytes)), trainer.uniquePieces,
                               merges.count, model.vocabularySize, Double(t1 - t0) / 1e9, Double(t2 - t1) / 1e9)) }
        return model
    }

    // MARK: encode

    public struct EncodeSummary: Sendable {
        public var documents = 0, bytes = 0, tokens = 0
        public var encodeNanoseconds: UInt64 = 0
        public var wallNanoseconds: UInt64 = 0
    }

    /// Loads a model file and its CRC-32C (recorded in what it encodes).
    public static func loadModel(_ path: String) throws -> (BPEModel, InputChecksum) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ToolError.badInput(path, "cannot read the tokenizer model", fix: "check the path, or train one with `tokenize train`")
        }
        let model = try BPEModel.load(data: data, name: path)
        let sum = data.withUnsafeBytes { CRC32C.checksum($0) }
        return (model, InputChecksum(path: path, bytes: data.count, crc32c: sum))
    }

    /// Encodes text documents into a token-document stream (`output` "-" = stdout).
    @discardableResult
    public static func encode(inputs: [String], text: TextInput, modelPath: String, output: String,
                              compression: Compression = .none, arguments: [String],
                              progress mode: ProgressMode, quiet: Bool = false) throws -> EncodeSummary {
        let start = now()
        let (model, modelSum) = try loadModel(modelPath)
        let encoder = BPEEncoder(model: model)
        // The first input is opened before the header is written: its format goes in the provenance.
        var next: TextDocumentReader? = try TextDocumentReader(path: inputs[0], format: text.format, field: text.field)
        let provenance = Provenance(tool: "tokenize encode", arguments: arguments, inputs: [modelSum],
                                    extra: ["model-crc32c": modelSum.crc32c, "input-format": next!.format.rawValue,
                                            "text-field": text.field])
        let writer = try TokenDocumentWriter(path: output, vocabularySize: model.vocabularySize,
                                             provenance: provenance, compression: compression)
        let progress = Progress("tokenize encode", total: totalBytes(inputs), unit: "bytes", mode: mode)
        var summary = EncodeSummary()
        var inputSums: [InputChecksum] = []
        var tokens: [TokenID] = []
        var doneBefore = 0
        for path in inputs {
            let reader = try next ?? TextDocumentReader(path: path, format: text.format, field: text.field)
            next = nil
            while let doc = try reader.next() {
                tokens.removeAll(keepingCapacity: true)
                let t = now()
                doc.withUnsafeBytes { encoder.encode($0, into: &tokens) }
                summary.encodeNanoseconds += now() - t
                try writer.append(tokens)
                summary.documents += 1
                summary.bytes += doc.count
                summary.tokens += tokens.count
                progress.update(Double(doneBefore + reader.bytesRead), extra: "\(Progress.human(Double(summary.tokens))) tokens")
            }
            doneBefore += reader.bytesRead
            inputSums.append(reader.inputChecksum)
        }
        try writer.finish(Closing(inputs: inputSums, extra: ["documents": String(summary.documents),
                                                             "tokens": String(summary.tokens)]))
        summary.wallNanoseconds = now() - start
        if !quiet { progress.finish(String(format: "%d documents, %@ bytes, %@ tokens (%.2f bytes/token), %@ (encoder alone %@)",
                               summary.documents, Progress.human(Double(summary.bytes)), Progress.human(Double(summary.tokens)),
                               Double(summary.bytes) / Double(max(summary.tokens, 1)),
                               mb(summary.bytes, summary.wallNanoseconds), mb(summary.bytes, summary.encodeNanoseconds))) }
        return summary
    }

    // MARK: decode

    /// Decodes a token-document stream back to text (`output` "-" = stdout).
    public static func decode(input: String, modelPath: String, output: String, format: OutputFormat,
                              showSpecial: Bool, progress mode: ProgressMode, quiet: Bool = false) throws {
        let (model, modelSum) = try loadModel(modelPath)
        let reader = try TokenDocumentReader(path: input, vocabularySize: model.vocabularySize)
        if let encodedWith = reader.provenance.extra["model-crc32c"], encodedWith != modelSum.crc32c {
            throw ToolError.badInput(reader.name, "was encoded with another model (CRC-32C \(encodedWith); \(modelPath) has \(modelSum.crc32c))",
                                     fix: "decode with the model that encoded it")
        }
        var resolved = format
        if resolved == .auto {
            resolved = OutputFormat(rawValue: reader.provenance.extra["input-format"] ?? "txt") ?? .txt
            if resolved == .auto { resolved = .txt }
        }
        let field = Array((reader.provenance.extra["text-field"] ?? "text").utf8)
        let out = try OutputFile(output)
        let progress = Progress("tokenize decode", unit: "documents", mode: mode)
        var buffer: [UInt8] = []
        var text: [UInt8] = []
        var documents = 0, tokens = 0
        func flush() throws {
            try out.write(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
        while let ids = try reader.next() {
            text.removeAll(keepingCapacity: true)
            if let special = ids.first(where: { Vocabulary.isSpecial($0) }), !showSpecial {
                throw ToolError.badInput(reader.name, "document \(documents) holds special token \(Vocabulary.specialName(special)!) (id \(special)), which is not text",
                                         fix: "pass --show-special to print special tokens by name")
            }
            if showSpecial {
                for id in ids {
                    if let name = Vocabulary.specialName(id) { text += Array(name.utf8) } else { text += model.bytes(of: id) }
                }
            } else {
                model.decode(ids, into: &text)
            }
            switch resolved {
            case .txt, .auto:
                if documents > 0 { buffer.append(0x0A) }
                buffer += text
                buffer.append(0x0A)
            case .jsonl:
                guard String(validating: text, as: UTF8.self) != nil else {
                    throw ToolError.badInput(reader.name, "document \(documents) is not valid UTF-8, which JSON cannot carry",
                                             fix: "decode with --format raw or txt")
                }
                buffer.append(UInt8(ascii: "{"))
                field.withUnsafeBytes { appendJSONString($0, to: &buffer) }
                buffer += Array(": ".utf8)
                text.withUnsafeBytes { appendJSONString($0, to: &buffer) }
                buffer += Array("}\n".utf8)
            case .raw:
                buffer += text
            }
            documents += 1
            tokens += ids.count
            if buffer.count >= 1 << 20 { try flush() }
            progress.update(Double(documents))
        }
        try flush()
        try out.commit()
        if !quiet { progress.finish("\(documents) documents, \(Progress.human(Double(tokens))) tokens, format \(resolved.rawValue)") }
    }
}
