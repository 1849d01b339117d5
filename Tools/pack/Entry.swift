import ToolSupport

@main struct Main { static func main() { Pack.mainReportingToolErrors() } }
