import ArgumentParser
import Foundation

/// Set in the environment, a tool parses and validates its arguments, prints the command they
/// reach ("score bench") and exits 0 without running it (Tests/ToolTests/ExampleTests.swift).
public let parseOnlyVariable = "BIRDIE_PARSE_ONLY"

extension ParsableCommand {
    /// The entry point of every tool: parse, run, and map a ToolError to its exit code
    /// (65 for bad data) with a one-line message. ArgumentParser's usage errors exit 64.
    public static func mainReportingToolErrors(_ arguments: [String]? = nil) {
        let tool = configuration.commandName ?? String(describing: Self.self)
        StandardStreams.guardClosed()
        let given = arguments ?? Array(CommandLine.arguments.dropFirst())
        if let target = Help.target(of: given, root: self) {
            do { try StandardStreams.printOutput(Help.text(for: target, root: self)) } catch let error as ToolError { exitReporting(error, tool: tool) } catch {}
            Foundation.exit(0)
        }
        do {
            var command = try parseAsRoot(arguments)
            // For the examples test: parse and validate, print which command, and stop before any work.
            if ProcessInfo.processInfo.environment[parseOnlyVariable] != nil {
                try StandardStreams.printOutput((Help.path(to: type(of: command), from: self) ?? [tool]).joined(separator: " "))
                Foundation.exit(0)
            }
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
