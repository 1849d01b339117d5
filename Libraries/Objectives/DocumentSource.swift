import Formats
import ToolSupport
import Vocabulary

/// Documents of a token-document stream as an iterator for SampleGenerator, refusing reserved ids
/// (special tokens) where text belongs. An error ends the iteration and is kept in `error`: check it
/// once the iterator returns nil.
public struct TokenDocumentIterator: IteratorProtocol {
    public let reader: TokenDocumentReader
    public private(set) var error: Error?
    public private(set) var documents = 0

    public init(_ reader: TokenDocumentReader) { self.reader = reader }

    public mutating func next() -> [TokenID]? {
        guard error == nil else { return nil }
        do {
            guard let document = try reader.next() else { return nil }
            documents += 1
            // Counted from 0, like `tokenize decode` and Pipelines/python/birdie_streams.py.
            if let at = document.firstIndex(where: { $0 < Vocabulary.reservedCount }) {
                throw ToolError.badInput(reader.name,
                    "document \(documents - 1), token \(at): id \(document[at]) is reserved (\(Vocabulary.specialName(document[at]) ?? "special")), not text",
                    fix: "feed text encoded by tokenize encode; special tokens are added by corrupt")
            }
            return document
        } catch {
            self.error = error
            return nil
        }
    }
}
