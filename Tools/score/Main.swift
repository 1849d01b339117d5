import ToolSupport

@main struct Main { static func main() { Score.mainReportingToolErrors() } }
