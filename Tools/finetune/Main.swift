import ToolSupport

@main struct Main { static func main() { Finetune.mainReportingToolErrors() } }
