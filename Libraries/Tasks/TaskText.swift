import Tokenizer
import ToolSupport
import Vocabulary

/// How a task's text becomes a model's input and target, the same for `finetune` and `score`:
///
///     input   [PLM] tokens(prompt + "\n")        the prefix region (read in both directions where the model can)
///     target  tokens(answer) EOS                  the causal region, after START
///
/// The prefix-LM paradigm token says "continue this text", the pre-training objective closest to
/// answering a prompt; the newline separates the prompt from the answer as text would; EOS ends
/// the answer so a fine-tuned model learns to stop (greedy decoding stops at it).
public struct TaskText {
    public let model: BPEModel
    private let encoder: BPEEncoder
    public static let separator = "\n"
    public static let paradigm = SpecialToken.paradigmPrefixLM.rawValue

    public init(model: BPEModel) {
        self.model = model
        encoder = BPEEncoder(model: model)
    }

    /// Loads a tokenizer model file (`tokenize train -o tok.model`); a missing or damaged file is
    /// bad input (exit 65).
    public init(modelPath: String) throws { self.init(model: try BPEModel.load(path: modelPath)) }

    public var vocabularySize: Int { model.vocabularySize }

    /// The prefix region of a prompt.
    public func input(_ prompt: String) -> [TokenID] { [Self.paradigm] + encoder.encode(prompt + Self.separator) }

    /// The causal region of an answer, EOS included.
    public func target(_ answer: String) -> [TokenID] { encoder.encode(answer) + [SpecialToken.eos.rawValue] }

    /// Plain tokens of a text (no paradigm, separator or EOS): multiple-choice continuations.
    public func tokens(_ text: String) -> [TokenID] { encoder.encode(text) }

    /// The text of generated tokens: everything before the first EOS, special tokens dropped.
    public func text(_ ids: [TokenID]) -> String {
        let kept = ids.prefix { $0 != SpecialToken.eos.rawValue }.filter { !Vocabulary.isSpecial($0) }
        return String(decoding: model.decode(Array(kept)), as: UTF8.self)
    }

    /// Refuses a model whose vocabulary is not the tokenizer's (exit 65).
    public func checkMatches(modelVocabulary: Int, checkpoint: String, tokenizer: String) throws {
        guard modelVocabulary == vocabularySize else {
            throw ToolError.badInput(checkpoint, "the model has a vocabulary of \(modelVocabulary) tokens but the tokenizer \(tokenizer) has \(vocabularySize)",
                                     fix: "give the tokenizer the model was trained with (-m)")
        }
    }
}

/// A prompt and its answer: what `finetune` trains on (phone books, or any JSONL with these fields).
public struct PromptTarget: Codable, Equatable, Sendable {
    public var prompt: String
    public var target: String
    public init(prompt: String, target: String) { self.prompt = prompt; self.target = target }
}
