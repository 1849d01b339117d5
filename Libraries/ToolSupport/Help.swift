import ArgumentParser

/// A command's examples: whole command lines that `--help`, `-h` and `help SUB` print after the
/// options, under EXAMPLES:, one unwrapped line each, so that a line pastes as it is. Every example
/// must parse: Tests/ToolTests/ExampleTests.swift runs each tool invocation in them with
/// `BIRDIE_PARSE_ONLY` set (`mainReportingToolErrors`).
public protocol HasExamples {
    static var examples: [String] { get }
}

/// The help the tools print: ArgumentParser's, a tool with a default subcommand showing that
/// subcommand's options, and the examples last.
enum Help {
    /// The command a help request is for, or nil when `arguments` ask for no help: `help SUB...`
    /// (in a tool with subcommands), or `-h`/`--help` before `--`; the subcommands named first
    /// lead to the command.
    static func target(of arguments: [String], root: ParsableCommand.Type) -> ParsableCommand.Type? {
        let words = Array(arguments.prefix { $0 != "--" })
        let helpWord = words.first == "help" && !root.configuration.subcommands.isEmpty
        guard helpWord || words.contains("-h") || words.contains("--help") else { return nil }
        var command = root
        for word in words.dropFirst(helpWord ? 1 : 0) where word != "-h" && word != "--help" {
            guard let sub = command.configuration.subcommands.first(where: { $0._commandName == word }) else { break }
            command = sub
        }
        return command
    }

    /// The names from the root to `command` ("score", "score bench"), or nil when it is not in the tree.
    static func path(to command: ParsableCommand.Type, from root: ParsableCommand.Type) -> [String]? {
        if ObjectIdentifier(command) == ObjectIdentifier(root) { return [root._commandName] }
        for sub in root.configuration.subcommands {
            if let rest = path(to: command, from: sub) { return [root._commandName] + rest }
        }
        return nil
    }

    /// The help of `command`. A command with a default subcommand prints its overview and
    /// subcommands, then the default one's help without its overview line (what `TOOL ARGS` takes).
    static func text(for command: ParsableCommand.Type, root: ParsableCommand.Type) -> String {
        let name = (path(to: command, from: root) ?? [root._commandName]).joined(separator: " ")
        var examples = (command as? HasExamples.Type)?.examples ?? []
        var text = root.helpMessage(for: command)
        if let main = command.configuration.defaultSubcommand {
            let usage = text.range(of: "USAGE:")?.lowerBound ?? text.startIndex
            let subcommands = text.range(of: "SUBCOMMANDS:")?.lowerBound ?? text.endIndex
            var defaultHelp = root.helpMessage(for: main)
            if defaultHelp.hasPrefix("OVERVIEW:"), let end = defaultHelp.range(of: "\n\n") { defaultHelp.removeSubrange(..<end.upperBound) }
            text = trimmed(text[..<usage]) + "\n\n" + trimmed(text[subcommands...]) + "\n\n"
                + "DEFAULT SUBCOMMAND: `\(name) ARGS` runs `\(name) \(main._commandName) ARGS`\n\n" + trimmed(defaultHelp[...])
            examples += (main as? HasExamples.Type)?.examples ?? []
        }
        text = trimmed(text[...])
        if !examples.isEmpty { text += "\n\nEXAMPLES:\n" + examples.map { "  " + $0 }.joined(separator: "\n") }
        return text
    }

    private static func trimmed(_ s: Substring) -> String {
        String(s.drop { $0.isNewline }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
