import Foundation
import ToolSupport

/// An answerable SQuAD 2.0 question (docs/METHOD.md 6): the prompt is the context, a newline and the
/// question; every gold answer text is kept, in the file's order.
public struct SquadItem: Codable, Equatable, Sendable {
    public var id: String
    public var title: String
    public var context: String
    public var question: String
    public var prompt: String
    public var answers: [String]
    /// Tokens of the context under the reader's counter (absent without one).
    public var contextTokens: Int?
}

/// Reads the official SQuAD 2.0 JSON (`{"version", "data": [{"title", "paragraphs": [{"context",
/// "qas": [{"id", "question", "answers": [{"text", "answer_start"}], "is_impossible"}]}]}]}`),
/// keeping the answerable questions.
public enum SquadReader {
    private struct File: Decodable { var data: [Article] }
    private struct Article: Decodable { var title: String; var paragraphs: [Paragraph] }
    private struct Paragraph: Decodable { var context: String; var qas: [Question] }
    private struct Question: Decodable {
        var id: String
        var question: String
        var answers: [Answer]
        var is_impossible: Bool?
    }
    private struct Answer: Decodable { var text: String }

    public static func read(path: String, tokenCount: TokenCounter? = nil) throws -> [SquadItem] {
        try parse(readInput(path), file: path == "-" ? "<stdin>" : path, tokenCount: tokenCount)
    }

    public static func parse(_ data: Data, file: String, tokenCount: TokenCounter? = nil) throws -> [SquadItem] {
        let parsed: File
        do {
            parsed = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw ToolError.badInput(file, "not SQuAD 2.0 JSON: \(JSONLines.describe(error))",
                                     fix: "use the official dev-v2.0.json (`make data`)")
        }
        var items: [SquadItem] = []
        for article in parsed.data {
            for paragraph in article.paragraphs {
                let tokens = tokenCount.map { $0(paragraph.context) }
                for qa in paragraph.qas where qa.is_impossible != true && !qa.answers.isEmpty {
                    items.append(SquadItem(id: qa.id, title: article.title, context: paragraph.context,
                                           question: qa.question, prompt: paragraph.context + "\n" + qa.question,
                                           answers: qa.answers.map(\.text), contextTokens: tokens))
                }
            }
        }
        guard !items.isEmpty else {
            throw ToolError.badInput(file, "no answerable questions", fix: "use the official dev-v2.0.json (`make data`)")
        }
        return items
    }
}
