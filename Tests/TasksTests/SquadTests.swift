import Foundation
import Testing
import ToolSupport
@testable import Tasks

@Suite struct SquadTests {
    static let json = """
    {"version": "v2.0", "data": [
      {"title": "Normans", "paragraphs": [
        {"context": "The Normans were in Normandy.", "qas": [
          {"id": "q1", "question": "Where were the Normans?", "is_impossible": false,
           "answers": [{"text": "Normandy", "answer_start": 20}, {"text": "in Normandy", "answer_start": 17},
                       {"text": "Normandy", "answer_start": 20}]},
          {"id": "q2", "question": "Who ruled France?", "is_impossible": true, "answers": [],
           "plausible_answers": [{"text": "Normans", "answer_start": 4}]}]},
        {"context": "Rollo led them.", "qas": [
          {"id": "q3", "question": "Who led them?", "answers": [{"text": "Rollo", "answer_start": 0}]}]}]}]}
    """

    @Test func answerableQuestionsWithAllAnswers() throws {
        let items = try SquadReader.parse(Data(Self.json.utf8), file: "dev.json", tokenCount: { $0.split(separator: " ").count })
        #expect(items.map(\.id) == ["q1", "q3"])
        #expect(items[0].prompt == "The Normans were in Normandy.\nWhere were the Normans?")
        #expect(items[0].answers == ["Normandy", "in Normandy", "Normandy"])
        #expect(items[0].contextTokens == 5)
        #expect(items[0].title == "Normans")
        #expect(items[1].contextTokens == 3)
        #expect(try SquadReader.parse(Data(Self.json.utf8), file: "dev.json")[0].contextTokens == nil)
    }

    @Test(arguments: ["{\"data\": [", "{\"version\": \"v2.0\"}", "[]",
                      "{\"data\": [{\"title\": \"T\", \"paragraphs\": [{\"context\": \"c\", \"qas\": [{\"id\": \"x\", \"question\": \"q\", \"is_impossible\": true, \"answers\": []}]}]}]}"])
    func badFilesAreBadInput(text: String) {
        #expect { try SquadReader.parse(Data(text.utf8), file: "dev.json") } throws: { error in
            guard let error = error as? ToolError else { return false }
            return error.code == .dataError && error.message.hasPrefix("dev.json: ")
        }
    }
}
