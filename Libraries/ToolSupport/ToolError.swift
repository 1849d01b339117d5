import Foundation

/// Exit codes shared by all tools (sysexits.h).
public enum ExitCode: Int32, Sendable {
    case ok = 0
    case failure = 1
    case usage = 64      // wrong flags or arguments
    case dataError = 65  // bad input data
}

/// An error a tool reports as one line and an exit code.
/// `message` names the file, what is wrong, and how to fix it.
public struct ToolError: Error, CustomStringConvertible, Sendable {
    public let code: ExitCode
    public let message: String

    public init(_ code: ExitCode, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Bad input data in `file`: exit 65.
    public static func badInput(_ file: String, _ problem: String, fix: String? = nil) -> ToolError {
        ToolError(.dataError, "\(file): \(problem)" + (fix.map { "; \($0)" } ?? ""))
    }

    public static func usage(_ message: String) -> ToolError { ToolError(.usage, message) }

    public var description: String { message }
}

/// Writes a line to stderr.
public func printError(_ line: String) {
    StandardStreams.writeError(line + "\n")
}

/// Exits with a ToolError's code after one stderr line naming the tool (line breaks that came
/// from the input, e.g. in a name read from a file, are shown escaped).
public func exitReporting(_ error: ToolError, tool: String) -> Never {
    printError("\(tool): error: \(error.message.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r"))")
    exit(error.code.rawValue)
}
