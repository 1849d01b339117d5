import ToolSupport

@main struct Main { static func main() { InfillGen.mainReportingToolErrors() } }
