import ToolSupport

@main struct Main { static func main() { CriticCommand.mainReportingToolErrors() } }
