import Tokenizer
import ToolSupport
import Vocabulary

/// How a task's text becomes a model's input and target, the same for `finetune` and `score`:
///
///     input   [PLM] tokens(prompt)            the prefix region (read in both directions where the model can)
///     target  tokens(" " + answer) EOS        the causal region, after START
///
/// The prefix-LM paradigm token says "continue this text", the pre-training objective closest to
/// answering a prompt. A model pre-trained on next-token prediction alone (the clm procedure) never
/// saw it, so `score --paradigm next-token` gives such a model the token it was trained with
/// (docs/SCORING.md). The answer continues the prompt as running text, so its first word carries
/// its leading space, tokenised as the same word is inside the prompt (" 326" in "Ann Lee: 326-..."
/// and in the answer, not "326"). EOS ends the answer so a fine-tuned model learns to stop (greedy
/// decoding stops at it).
public struct TaskText {
    public let model: BPEModel
    private let encoder: BPEEncoder
    public static let separator = " "
    public static let paradigm = SpecialToken.paradigmPrefixLM.rawValue
    /// The paradigm token that starts every input (default: prefix-LM).
    public var paradigm = Self.paradigm

    public init(model: BPEModel) {
        self.model = model
        encoder = BPEEncoder(model: model)
    }

    /// Loads a tokenizer model file (`tokenize train -o tok.model`); a missing or damaged file is
    /// bad input (exit 65).
    public init(modelPath: String) throws { self.init(model: try BPEModel.load(path: modelPath)) }

    public var vocabularySize: Int { model.vocabularySize }

    /// The prefix region of a prompt.
    public func input(_ prompt: String) -> [TokenID] { [paradigm] + encoder.encode(prompt) }

    /// The causal region of an answer, EOS included.
    public func target(_ answer: String) -> [TokenID] { continuation(answer) + [SpecialToken.eos.rawValue] }

    /// The tokens of an answer or choice after the prompt, without EOS (multiple-choice continuations).
    public func continuation(_ answer: String) -> [TokenID] { encoder.encode(Self.separator + answer) }

    /// ASCII digits in a token's text (special tokens have none): the weight of the token in the
    /// phone books' digit accuracy.
    public func digits(in token: TokenID) -> Int {
        Vocabulary.isSpecial(token) ? 0 : model.bytes(of: token).filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
    }

    /// Plain tokens of a text (lengths of SQuAD contexts).
    public func tokens(_ text: String) -> [TokenID] { encoder.encode(text) }

    /// The answer of generated tokens: the text before the first EOS, special tokens dropped,
    /// without the separator.
    public func text(_ ids: [TokenID]) -> String {
        let kept = ids.prefix { $0 != SpecialToken.eos.rawValue }.filter { !Vocabulary.isSpecial($0) }
        let text = String(decoding: model.decode(Array(kept)), as: UTF8.self)
        return text.hasPrefix(Self.separator) ? String(text.dropFirst(Self.separator.count)) : text
    }

    /// The prompt of an input (tests, diagnostics): the text after the paradigm token.
    public func prompt(_ ids: [TokenID]) -> String {
        String(decoding: model.decode(ids.filter { !Vocabulary.isSpecial($0) }), as: UTF8.self)
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
