import Controller
import Foundation
import ToolSupport

/// The Birdie training log (JSON lines, one per evaluation). Each line is the `critic` tool's
/// output line for the decision (grid, step, phase, mixture, reward, predicted, critic_loss,
/// explored, note) with the evaluation that led to it added before the closing brace:
///
///     {"grid":"light","step":19,"phase":"critic","mixture":{...},"reward":0.4,...,"explored":false,
///      "losses":{...},"action":{...},"rewards":{...},"class_loss":{...},"class_mixture":{...}}
///
/// So the log is at once `critic` input (step, losses, action; it ignores the rest) and the record
/// of what the controller chose: `critic --configurations GRID --total-steps STEPS --seed SEED <
/// LOG` prints the same decisions, each line a prefix of the log's. Non-finite losses are null.
/// class_loss is the unweighted mean of the class's configuration losses, class_mixture the class's
/// total weight (for plots: Pipelines/plots/mixture.gp).
final class ControllerLog {
    let log: AppendLog

    /// Opens `path` for appending; lines of steps after `step` (written by a killed run after its
    /// last checkpoint) are dropped; step 0 starts a new log.
    init(path: String, keepingStepsUpTo step: Int) throws {
        struct Line: Decodable { var step: Int }
        var kept = ""
        if step > 0, let old = AppendLog.existingLines(path) {
            for line in old {
                if let s = try? JSONDecoder().decode(Line.self, from: Data(line.utf8)).step, s <= step { kept += line + "\n" }
            }
        }
        log = try AppendLog(path, startingWith: kept)
    }

    func append(_ line: String) throws { try log.append(line) }

    static func line(_ e: Evaluation, _ d: Decision, configurations set: ConfigurationSet, grid: String) -> String {
        let members = set.classes.indices.map { set.members(ofClass: $0) }
        var added: [JSON.Member] = [.init("losses", .numbers(set.names, e.losses)), .init("action", .numbers(set.names, e.action))]
        if let rewards = d.rewards { added.append(.init("rewards", .numbers(set.names, rewards))) }
        added.append(.init("class_loss", .numbers(set.classes, members.map { m in m.reduce(0) { $0 + e.losses[$1] } / Double(m.count) })))
        added.append(.init("class_mixture", .numbers(set.classes, members.map { m in m.reduce(0) { $0 + d.mixture[$1] } })))
        // The critic's own line with the evaluation added before its closing brace.
        return String(CriticProtocol.format(d, configurations: set, grid: grid).dropLast()) + ","
            + String(JSON.object(added).text().dropFirst())
    }
}
