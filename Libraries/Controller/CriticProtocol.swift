import Foundation
import ToolSupport

/// The `critic` pipe's JSON-lines protocol (docs/CRITIC.md).
/// In, one line per evaluation:  {"step": 500, "losses": {...} or [...], "action": {...} or [...]}
///   objects are keyed by configuration name (all names, no others); arrays follow the
///   configurations' order. Unknown keys are ignored. NaN/Infinity (bare, as Python writes them,
///   or null, or a number too large for a double) mark an unusable loss: that evaluation is
///   skipped and logged.
/// Out, one line per evaluation: {"grid": "light", "step": 500, "phase": "critic", "mixture": {"name": weight, ...},
///   "reward": total, "predicted": score, "explored": false}
public enum CriticProtocol {
    /// Parses one input line. Throws ControllerError naming the line's problem.
    /// (JSONDecoder, not JSONSerialization: only the former reads doubles exactly, which the
    /// same-decisions-through-the-pipe guarantee needs.)
    public static func parseEvaluation(_ line: String, configurations set: ConfigurationSet) throws -> Evaluation {
        let value: JSON
        do {
            value = try JSONDecoder().decode(JSON.self, from: Data(replacingNonFiniteTokens(line).utf8))
        } catch {
            throw ControllerError.invalid("not valid JSON: \(line.prefix(60))")
        }
        guard case .object = value else { throw ControllerError.invalid("not a JSON object") }
        guard case .number(let stepValue)? = value["step"], stepValue >= 0, stepValue == stepValue.rounded(),
              stepValue < 1e15 else {
            throw ControllerError.invalid("missing or bad \"step\" (a non-negative integer)")
        }
        let losses = try vector(value["losses"], key: "losses", set: set, allowNonFinite: true)
        let action = try vector(value["action"], key: "action", set: set, allowNonFinite: false)
        return Evaluation(step: Int(stepValue), losses: losses, action: action)
    }

    private static func number(_ value: JSON, allowNonFinite: Bool) -> Double? {
        switch value {
        case .number(let x): return x
        case .null: return allowNonFinite ? .nan : nil
        case .string(let s) where allowNonFinite:
            let lower = s.lowercased()
            if lower == "nan" { return .nan }
            if ["inf", "infinity"].contains(lower) { return .infinity }
            if ["-inf", "-infinity"].contains(lower) { return -.infinity }
            return nil
        default: return nil
        }
    }

    private static func vector(_ value: JSON?, key: String, set: ConfigurationSet, allowNonFinite: Bool) throws -> [Double] {
        let k = set.count
        switch value {
        case .array(let array)?:
            guard array.count == k else {
                throw ControllerError.invalid("\"\(key)\" has \(array.count) values for \(k) configurations")
            }
            return try array.enumerated().map { i, v in
                guard let x = number(v, allowNonFinite: allowNonFinite) else {
                    throw ControllerError.invalid("\"\(key)\"[\(i)] (\(set.names[i])) is not a number")
                }
                return x
            }
        case .object(let members)?:
            let object = Dictionary(members.map { ($0.key, $0.value) }) { _, last in last }
            if let unknown = object.keys.sorted().first(where: { !set.names.contains($0) }) {
                throw ControllerError.invalid("\"\(key)\" names unknown configuration '\(unknown)'")
            }
            return try set.names.map { name in
                guard let v = object[name] else {
                    throw ControllerError.invalid("\"\(key)\" lacks configuration '\(name)' (\(object.count) of \(k) given)")
                }
                guard let x = number(v, allowNonFinite: allowNonFinite) else {
                    throw ControllerError.invalid("\"\(key)\".\(name) is not a number")
                }
                return x
            }
        default:
            throw ControllerError.invalid("missing \"\(key)\" (an object keyed by configuration name, or an array of \(k) numbers)")
        }
    }

    /// Replaces bare NaN, Infinity and -Infinity tokens, and numbers too large for a double
    /// (1e999), outside strings, by null: each is an unusable value, not a malformed line.
    static func replacingNonFiniteTokens(_ line: String) -> String {
        var out = "", inString = false, escaped = false
        var rest = Substring(line)
        while let c = rest.first {
            if inString {
                out.append(c); rest = rest.dropFirst()
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                continue
            }
            if c == "\"" { inString = true }
            if let token = ["-Infinity", "Infinity", "NaN"].first(where: { rest.hasPrefix($0) }) {
                out += "null"; rest = rest.dropFirst(token.count); continue
            }
            if c == "-" || c.isASCII && c.isNumber {
                let number = rest.prefix { $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }
                out += Double(number).map { $0.isInfinite } == true ? "null" : String(number)
                rest = rest.dropFirst(number.count); continue
            }
            out.append(c); rest = rest.dropFirst()
        }
        return out
    }

    /// The output line for a decision (no trailing newline). Numbers print in Swift's shortest
    /// round-trip form, so a reader recovers exactly the doubles the controller chose.
    /// With a grid name the line is also a mixture file of the Objectives library ({"grid", "mixture"}).
    public static func format(_ d: Decision, configurations set: ConfigurationSet, grid: String? = nil) -> String {
        var members = grid.map { [JSON.Member("grid", .string($0))] } ?? []
        members += [.init("step", .int(d.step)), .init("phase", .string(d.phase.rawValue)),
                    .init("mixture", .numbers(set.names, d.mixture))]
        if let r = d.totalReward { members.append(.init("reward", .number(r))) }
        if let p = d.predictedReward { members.append(.init("predicted", .number(p))) }
        if let c = d.criticLoss { members.append(.init("critic_loss", .number(c))) }
        members.append(.init("explored", .bool(d.explored)))
        if let note = d.note { members.append(.init("note", .string(note))) }
        return JSON.object(members).text()
    }

    /// Reads the configurations from a grid file of the Objectives library
    /// ({"grid": name, "configurations": [{"name", "class", "objective", ...}]}, docs/FORMATS.md), or a
    /// plain JSON array of {"name", "class"}. The class comes from the file: this library does not
    /// link the objectives, whose registry is the one source of objective -> class.
    /// Returns the grid's name too (nil for a plain list).
    public static func readConfigurations(_ data: Data, source: String) throws -> (set: ConfigurationSet, grid: String?) {
        func bad(_ problem: String) -> ControllerError { .invalid("\(source): \(problem)") }
        guard let object = try? JSONSerialization.jsonObject(with: data) else { throw bad("not valid JSON") }
        let top = object as? [String: Any]
        let list = (object as? [Any]) ?? (top?["configurations"] as? [Any])
        guard let list else { throw bad("expected a grid ({\"configurations\": [...]}) or an array of {\"name\", \"class\"}") }
        let configurations = try list.enumerated().map { i, entry -> ControllerConfiguration in
            guard let e = entry as? [String: Any], let name = e["name"] as? String else {
                throw bad("configuration \(i) lacks a string \"name\"")
            }
            guard let objectiveClass = e["class"] as? String else {
                throw bad("configuration \(i) lacks a string \"class\" (its objective's, from `corrupt --list-objectives`)")
            }
            return ControllerConfiguration(name: name, objectiveClass: objectiveClass)
        }
        do { return (try ConfigurationSet(configurations), top?["grid"] as? String) }
        catch let e as ControllerError { throw bad(e.description) }
    }

    /// The configurations as the JSON `readConfigurations` accepts.
    public static func formatConfigurations(_ set: ConfigurationSet) -> String {
        "[" + set.configurations.map { JSON.object([.init("name", .string($0.name)), .init("class", .string($0.objectiveClass))]).text() }
            .joined(separator: ",\n ") + "]\n"
    }
}
