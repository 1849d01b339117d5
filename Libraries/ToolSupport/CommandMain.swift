import ArgumentParser
import Foundation

extension ParsableCommand {
    /// The entry point of every tool: parse, run, and map a ToolError to its exit code
    /// (65 for bad data) with a one-line message. ArgumentParser's usage errors exit 64.
    public static func mainReportingToolErrors(_ arguments: [String]? = nil) {
        let tool = configuration.commandName ?? String(describing: Self.self)
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let error as ToolError {
            exitReporting(error, tool: tool)
        } catch {
            let code = exitCode(for: error)
            // ArgumentParser reports validation errors as code 64 already (EX_USAGE).
            if code == .success || code.rawValue == 64 || error is CleanExit { exit(withError: error) }
            printError("\(tool): error: \(fullMessage(for: error))")
            Foundation.exit(code.rawValue)
        }
    }
}
