import ToolSupport

@main struct Main { static func main() { Train.mainReportingToolErrors() } }
