/// Counts the tokens of a text: the one thing task generators need from a tokenizer (the length
/// of a prompt against a row budget, the length of a SQuAD context).
public typealias TokenCounter = (String) -> Int

/// UTF-8 bytes: the token count of a byte-level tokenizer without merges, and so an upper bound
/// on the count of any byte-level BPE. Used when no tokenizer model is given.
public func utf8ByteCount(_ text: String) -> Int { text.utf8.count }

import Tokenizer

/// The token count of a byte-level BPE model file (`tokenize train -o tok.model`); a missing or
/// damaged model is bad input (exit 65).
public func bpeTokenCounter(modelPath: String) throws -> TokenCounter {
    let encoder = BPEEncoder(model: try BPEModel.load(path: modelPath))
    return { encoder.encode($0).count }
}
