import ArgumentParser
import Foundation

extension ParsableCommand {
    /// The entry point of every tool: parse, run, and map a ToolError to its exit code
    /// (65 for bad data) with a one-line message. ArgumentParser's usage errors exit 64.
    public static func mainReportingToolErrors(_ arguments: [String]? = nil) {
        let tool = configuration.commandName ?? String(describing: Self.self)
        StandardStreams.guardClosed()
        let given = arguments ?? Array(CommandLine.arguments.dropFirst())
        // `TOOL --help` of a tool with a default subcommand shows that subcommand's options, which
        // are what `TOOL ARGS...` takes, then the other subcommands.
        if let main = configuration.defaultSubcommand, given == ["--help"] || given == ["-h"] {
            let others = configuration.subcommands.filter { ObjectIdentifier($0) != ObjectIdentifier(main) }.map {
                "  \($0.configuration.commandName ?? "")  \($0.configuration.abstract)"
            }
            let overview = "OVERVIEW: \(configuration.abstract)\n\n" + (configuration.discussion.isEmpty ? "" : configuration.discussion + "\n\n")
            print(overview + "The default subcommand, `\(tool) \(main.configuration.commandName ?? "")`: "
                  + helpMessage(for: main) + "\nOther subcommands (`\(tool) help SUBCOMMAND`):\n" + others.joined(separator: "\n"))
            Foundation.exit(0)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let error as ToolError {
            exitReporting(error, tool: tool)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit { exit(withError: error) }
            // One line, like every other error of the tools; usage errors exit 64 (EX_USAGE).
            let firstLine = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            printError("\(tool): error: \(firstLine)\(code.rawValue == 64 ? " (see \(tool) --help)" : "")")
            Foundation.exit(code.rawValue)
        }
    }
}
