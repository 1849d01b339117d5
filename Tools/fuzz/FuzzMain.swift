import ToolSupport

@main struct Main { static func main() { Fuzz.mainReportingToolErrors() } }
