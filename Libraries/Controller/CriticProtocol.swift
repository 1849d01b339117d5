import Foundation

/// The `critic` pipe's JSON-lines protocol (docs/CRITIC.md).
/// In, one line per evaluation:  {"step": 500, "losses": {...} or [...], "action": {...} or [...]}
///   objects are keyed by configuration name (all names, no others); arrays follow the
///   configurations' order. Unknown keys are ignored. NaN/Infinity (bare, as Python writes them,
///   or null) mark an unusable loss: that evaluation is skipped and logged.
/// Out, one line per evaluation: {"grid": "light", "step": 500, "phase": "critic", "mixture": {"name": weight, ...},
///   "reward": total, "predicted": score, "explored": false}
public enum CriticProtocol {
    /// Parses one input line. Throws ControllerError naming the line's problem.
    /// (JSONDecoder, not JSONSerialization: only the former reads doubles exactly, which the
    /// same-decisions-through-the-pipe guarantee needs.)
    public static func parseEvaluation(_ line: String, configurations set: ConfigurationSet) throws -> Evaluation {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(replacingNonFiniteTokens(line).utf8))
        } catch {
            throw ControllerError.invalid("not valid JSON: \(line.prefix(60))")
        }
        guard case .object(let dict) = value else { throw ControllerError.invalid("not a JSON object") }
        guard case .number(let stepValue)? = dict["step"], stepValue >= 0, stepValue == stepValue.rounded(),
              stepValue < 1e15 else {
            throw ControllerError.invalid("missing or bad \"step\" (a non-negative integer)")
        }
        let losses = try vector(dict["losses"], key: "losses", set: set, allowNonFinite: true)
        let action = try vector(dict["action"], key: "action", set: set, allowNonFinite: false)
        return Evaluation(step: Int(stepValue), losses: losses, action: action)
    }

    private static func number(_ value: JSONValue, allowNonFinite: Bool) -> Double? {
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

    private static func vector(_ value: JSONValue?, key: String, set: ConfigurationSet, allowNonFinite: Bool) throws -> [Double] {
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
        case .object(let object)?:
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

    /// Replaces bare NaN, Infinity and -Infinity tokens (outside strings) by null.
    static func replacingNonFiniteTokens(_ line: String) -> String {
        guard line.contains("NaN") || line.contains("Infinity") else { return line }
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
            out.append(c); rest = rest.dropFirst()
        }
        return out
    }

    /// The output line for a decision (no trailing newline). Numbers print in Swift's shortest
    /// round-trip form, so a reader recovers exactly the doubles the controller chose.
    /// With a grid name the line is also a mixture file of the Objectives library ({"grid", "mixture"}).
    public static func format(_ d: Decision, configurations set: ConfigurationSet, grid: String? = nil) -> String {
        let weights = zip(set.names, d.mixture).map { "\(jsonString($0)):\($1)" }.joined(separator: ",")
        var line = "{"
        if let grid { line += "\"grid\":\(jsonString(grid))," }
        line += "\"step\":\(d.step),\"phase\":\"\(d.phase.rawValue)\",\"mixture\":{\(weights)}"
        if let r = d.totalReward { line += ",\"reward\":\(r)" }
        if let p = d.predictedReward { line += ",\"predicted\":\(p)" }
        if let c = d.criticLoss { line += ",\"critic_loss\":\(c)" }
        line += ",\"explored\":\(d.explored)"
        if let note = d.note { line += ",\"note\":\(jsonString(note))" }
        return line + "}"
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    /// Reads the configurations from a grid file of the Objectives library
    /// ({"grid": name, "configurations": [{"name", "objective", ...}]}, docs/FORMATS.md), or a plain
    /// JSON array of {"name", "class"}. A grid entry's class is its objective, with full span
    /// corruption (with or without deshuffling) one class, as in the paper's 7 classes.
    /// Returns the grid's name too (nil for a plain list).
    public static func readConfigurations(_ data: Data, source: String) throws -> (set: ConfigurationSet, grid: String?) {
        func bad(_ problem: String) -> ControllerError { .invalid("\(source): \(problem)") }
        guard let object = try? JSONSerialization.jsonObject(with: data) else { throw bad("not valid JSON") }
        let top = object as? [String: Any]
        let list = (object as? [Any]) ?? (top?["configurations"] as? [Any])
        guard let list else { throw bad("expected a grid ({\"configurations\": [...]}) or an array of {\"name\", \"class\"}") }
        let configurations = try list.enumerated().map { i, entry -> ControllerConfiguration in
            guard let e = entry as? [String: Any], let name = e["name"] as? String,
                  let objectiveClass = (e["class"] as? String) ?? (e["objective"] as? String).map(classOfObjective) else {
                throw bad("configuration \(i) lacks a string \"name\" and a \"class\" or \"objective\"")
            }
            return ControllerConfiguration(name: name, objectiveClass: objectiveClass)
        }
        do { return (try ConfigurationSet(configurations), top?["grid"] as? String) }
        catch let e as ControllerError { throw bad(e.description) }
    }

    /// The class of a grid objective (docs/METHOD.md 3.1: FSC and FSC-D form one class).
    static func classOfObjective(_ objective: String) -> String {
        objective == "full-span-corruption" ? "autoencoding" : objective
    }

    /// The configurations as the JSON `readConfigurations` accepts.
    public static func formatConfigurations(_ set: ConfigurationSet) -> String {
        "[" + set.configurations.map { "{\"name\":\(jsonString($0.name)),\"class\":\(jsonString($0.objectiveClass))}" }
            .joined(separator: ",\n ") + "]\n"
    }
}

/// Any JSON value, decoded with JSONDecoder (exact doubles).
enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let x = try? c.decode(Double.self) { self = .number(x) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }
}
