import ToolSupport

@main struct Main { static func main() { Tokenize.mainReportingToolErrors() } }
