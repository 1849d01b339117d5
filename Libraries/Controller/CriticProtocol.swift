import Foundation

/// The `critic` pipe's JSON-lines protocol (docs/CRITIC.md).
/// In, one line per evaluation:  {"step": 500, "losses": {...} or [...], "action": {...} or [...]}
///   objects are keyed by configuration name (all names, no others); arrays follow the
///   configurations' order. Unknown keys are ignored. NaN/Infinity (bare, as Python writes them,
///   or null) mark an unusable loss: that evaluation is skipped and logged.
/// Out, one line per evaluation: {"step": 500, "phase": "critic", "mixture": {"name": weight, ...},
///   "reward": total, "predicted": score, "explored": false}
public enum CriticProtocol {
    /// Parses one input line. Throws ControllerError naming the line's problem.
    public static func parseEvaluation(_ line: String, configurations set: ConfigurationSet) throws -> Evaluation {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(replacingNonFiniteTokens(line).utf8),
                                                      options: [.fragmentsAllowed])
        } catch {
            throw ControllerError.invalid("not a JSON object: \(line.prefix(60))")
        }
        guard let dict = object as? [String: Any] else { throw ControllerError.invalid("not a JSON object") }
        guard let stepValue = dict["step"], let step = integer(stepValue), step >= 0 else {
            throw ControllerError.invalid("missing or bad \"step\" (a non-negative integer)")
        }
        let losses = try vector(dict["losses"], key: "losses", set: set, allowNonFinite: true)
        let action = try vector(dict["action"], key: "action", set: set, allowNonFinite: false)
        return Evaluation(step: step, losses: losses, action: action)
    }

    private static func integer(_ value: Any) -> Int? {
        if value is Bool { return nil }
        guard let n = value as? NSNumber else { return nil }
        let d = n.doubleValue
        return d == d.rounded() && abs(d) < 1e15 ? Int(d) : nil
    }

    private static func number(_ value: Any, allowNonFinite: Bool) -> Double? {
        if value is NSNull { return allowNonFinite ? .nan : nil }
        if value is Bool { return nil }
        if let s = value as? String, allowNonFinite, ["nan", "inf", "-inf", "infinity", "-infinity"].contains(s.lowercased()) {
            return Double(s.lowercased().replacingOccurrences(of: "infinity", with: "inf"))
        }
        return (value as? NSNumber)?.doubleValue
    }

    private static func vector(_ value: Any?, key: String, set: ConfigurationSet, allowNonFinite: Bool) throws -> [Double] {
        let k = set.count
        if let array = value as? [Any] {
            guard array.count == k else {
                throw ControllerError.invalid("\"\(key)\" has \(array.count) values for \(k) configurations")
            }
            return try array.enumerated().map { i, v in
                guard let x = number(v, allowNonFinite: allowNonFinite) else {
                    throw ControllerError.invalid("\"\(key)\"[\(i)] (\(set.names[i])) is not a number")
                }
                return x
            }
        }
        if let object = value as? [String: Any] {
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
        }
        throw ControllerError.invalid("missing \"\(key)\" (an object keyed by configuration name, or an array of \(k) numbers)")
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
    public static func format(_ d: Decision, configurations set: ConfigurationSet) -> String {
        let weights = zip(set.names, d.mixture).map { "\(jsonString($0)):\($1)" }.joined(separator: ",")
        var line = "{\"step\":\(d.step),\"phase\":\"\(d.phase.rawValue)\",\"mixture\":{\(weights)}"
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

    /// Reads the configurations: a JSON array of {"name", "class"} objects, or an object whose
    /// "configurations" array holds them (extra keys such as weights or parameters are ignored).
    public static func readConfigurations(_ data: Data, source: String) throws -> ConfigurationSet {
        func bad(_ problem: String) -> ControllerError { .invalid("\(source): \(problem)") }
        guard let object = try? JSONSerialization.jsonObject(with: data) else { throw bad("not valid JSON") }
        let list = (object as? [Any]) ?? ((object as? [String: Any])?["configurations"] as? [Any])
        guard let list else { throw bad("expected an array of {\"name\", \"class\"} or {\"configurations\": [...]}") }
        let configurations = try list.enumerated().map { i, entry -> ControllerConfiguration in
            guard let e = entry as? [String: Any], let name = e["name"] as? String,
                  let objectiveClass = e["class"] as? String else {
                throw bad("entry \(i) lacks a string \"name\" or \"class\"")
            }
            return ControllerConfiguration(name: name, objectiveClass: objectiveClass)
        }
        do { return try ConfigurationSet(configurations) } catch let e as ControllerError { throw bad(e.description) }
    }

    /// The configurations as the JSON `readConfigurations` accepts.
    public static func formatConfigurations(_ set: ConfigurationSet) -> String {
        "[" + set.configurations.map { "{\"name\":\(jsonString($0.name)),\"class\":\(jsonString($0.objectiveClass))}" }
            .joined(separator: ",\n ") + "]\n"
    }
}
