import ToolSupport

@main struct Main { static func main() { PhonebookGen.mainReportingToolErrors() } }
