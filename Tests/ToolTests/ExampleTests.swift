import Foundation
import Testing

/// Help that pastes: every command of every tool shows examples after its options (EXAMPLES:, one
/// unwrapped line each), and every tool invocation in an example parses and validates. The tools
/// run with BIRDIE_PARSE_ONLY set, which stops them after validation (ToolSupport's
/// mainReportingToolErrors), so files named in examples need not exist.
@Suite struct ExampleTests {
    /// The tools: the folders of Tools/, so that a new tool without examples fails here.
    static let tools = ToolRunner.files(ToolRunner.repository.appendingPathComponent("Tools").path)

    @Test func everyToolIsListed() {
        #expect(Self.tools.count >= 2 && Self.tools.contains("corrupt"), "no tools found in Tools/")
    }

    @Test(arguments: tools)
    func everyCommandHasExamplesThatParse(_ tool: String) throws {
        let folder = try ToolRunner.temporaryFolder("examples")
        var environment = ProcessInfo.processInfo.environment
        environment["BIRDIE_PARSE_ONLY"] = "1"
        for path in try Self.commands(tool) {
            let help = try ToolRunner.run(tool, path + ["--help"], in: folder)
            let name = ([tool] + path).joined(separator: " ")
            #expect(help.status == 0, "\(name) --help: \(help.stderr)")
            if !path.isEmpty {
                #expect(try ToolRunner.run(tool, ["help"] + path, in: folder).out == help.out, "`\(tool) help \(path.joined(separator: " "))`")
            }
            let examples = Self.examples(help.out)
            #expect(!examples.isEmpty, "`\(name) --help` shows no example (EXAMPLES: after the options)")
            for example in examples {
                let invocations = Self.commandLines(example).filter { Self.tools.contains($0[0]) }
                let ofTool = invocations.filter { $0[0] == tool }
                #expect(!ofTool.isEmpty, "an example of \(name) that does not run \(tool): \(example)")
                var reached: [String] = []
                for words in invocations {
                    let r = try ToolRunner.run(words[0], Array(words.dropFirst()), in: folder, environment: environment)
                    #expect(r.status == 0 && r.stderr.isEmpty, "\(name): the example `\(example)` does not parse: \(r.stderr)")
                    if words[0] == tool { reached.append(r.out.trimmingCharacters(in: .whitespacesAndNewlines)) }
                }
                // A subcommand's example runs that subcommand (or its tool's default, which is it).
                if !path.isEmpty { #expect(reached.contains(name), "\(name): the example `\(example)` runs \(reached)") }
            }
        }
    }

    /// The command paths of a tool ([] for the tool itself, then ["bench"], ...), from
    /// ArgumentParser's description of the command tree (without its `help` subcommand).
    static func commands(_ tool: String) throws -> [[String]] {
        let r = try ToolRunner.run(tool, ["--experimental-dump-help"])
        let root = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        func walk(_ command: [String: Any], _ path: [String]) -> [[String]] {
            let subs = (command["subcommands"] as? [[String: Any]] ?? []).filter { $0["commandName"] as? String != "help" }
            return [path] + subs.flatMap { walk($0, path + [$0["commandName"] as? String ?? "?"]) }
        }
        return walk(try #require(root["command"] as? [String: Any]), [])
    }

    /// The lines under EXAMPLES: at the end of a help text, without their indentation.
    static func examples(_ help: String) -> [String] {
        guard let section = help.components(separatedBy: "\nEXAMPLES:\n").dropFirst().last else { return [] }
        return section.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The simple commands of a shell line, as words: split at | ; && || &, without redirections
    /// (< > >> 2> 2>&1 and their targets), leading VAR=value assignments and a # comment.
    static func commandLines(_ line: String) -> [[String]] {
        var commands: [[String]] = [], words: [String] = [], word = "", inWord = false
        var quote: Character? = nil, skipNext = false, operatorRun = ""
        func endWord() {
            guard inWord else { return }
            if skipNext { skipNext = false } else if !(words.isEmpty && word.contains("=") && !word.hasPrefix("-")) { words.append(word) }
            word = ""; inWord = false
        }
        func endOperator() {
            guard !operatorRun.isEmpty else { return }
            if operatorRun.contains("<") || operatorRun.contains(">") {
                skipNext = !operatorRun.hasSuffix("&1") && !operatorRun.hasSuffix("&2")
            } else if !words.isEmpty {
                commands.append(words); words = []
            }
            operatorRun = ""
        }
        var characters = Array(line)[...]
        while let c = characters.popFirst() {
            if let q = quote {
                if c == q { quote = nil } else if c == "\\" && q == "\"", let next = characters.popFirst() { word.append(next) } else { word.append(c) }
                continue
            }
            if "|;&<>".contains(c) {
                // A file descriptor number right before a redirection (2>) is not a word.
                if (c == "<" || c == ">") && inWord && operatorRun.isEmpty && word.allSatisfy(\.isNumber) { word = ""; inWord = false }
                endWord(); operatorRun.append(c)
                continue
            }
            if c == "#" && !inWord && operatorRun.isEmpty { break }
            if c.isWhitespace { endOperator(); endWord(); continue }
            if c.isNumber && operatorRun.hasSuffix(">&") { operatorRun.append(c); continue }   // 2>&1
            endOperator()
            inWord = true
            if c == "'" || c == "\"" { quote = c } else if c == "\\", let next = characters.popFirst() { word.append(next) } else { word.append(c) }
        }
        endOperator(); endWord()
        if !words.isEmpty { commands.append(words) }
        return commands
    }

    @Test func shellLinesSplitIntoCommands() {
        #expect(Self.commandLines("tokenize encode -m tok.model a.txt | corrupt --mixture ul2 | pack > ul2.pack")
                == [["tokenize", "encode", "-m", "tok.model", "a.txt"], ["corrupt", "--mixture", "ul2"], ["pack"]])
        #expect(Self.commandLines("critic --state 'c d.state' < evals.jsonl 2>&1 >> out # a comment")
                == [["critic", "--state", "c d.state"]])
        #expect(Self.commandLines("X=1 fuzz --seed 2 2>/dev/null && pack -o \"a b\"") == [["fuzz", "--seed", "2"], ["pack", "-o", "a b"]])
    }
}
