import ToolSupport

@main struct Main { static func main() { Corrupt.mainReportingToolErrors() } }
