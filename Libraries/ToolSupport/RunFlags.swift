import ArgumentParser

/// The flags that define a run, read off an option group: a checkpoint's state keeps them and
/// `--resume` refuses a command whose values differ. A key is the flag's long name, derived from
/// the property's name as ArgumentParser derives it (`weightDecay` is `--weight-decay`; a test checks
/// every group's keys against its help); a value is the flag's text, and an absent flag has no key.
public enum RunFlags {
    public static func of(_ group: some ParsableArguments) -> [String: String] {
        var flags: [String: String] = [:]
        for (label, value) in parsed(group) {
            if let text = text(value.parsedValue) { flags[flagName(label)] = text }
        }
        return flags
    }

    /// The long names `of` gives keys for.
    public static func names<G: ParsableArguments>(of group: G.Type) -> [String] {
        parsed(G()).map { flagName($0.label) }
    }

    private static func parsed(_ group: some ParsableArguments) -> [(label: String, value: any ParsedValue)] {
        Mirror(reflecting: group).children.compactMap { child in
            guard let label = child.label, label.hasPrefix("_"), let value = child.value as? any ParsedValue else { return nil }
            return (String(label.dropFirst()), value)
        }
    }

    /// dModel -> d-model.
    static func flagName(_ property: String) -> String {
        property.reduce(into: "") { name, c in
            if c.isUppercase { name += "-" + c.lowercased() } else { name.append(c) }
        }
    }

    /// An enum's raw value, a number or string as written; nil for an absent optional.
    private static func text(_ value: Any) -> String? {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let some = mirror.children.first?.value else { return nil }
            return text(some)
        }
        if let raw = value as? any RawRepresentable { return "\(raw.rawValue)" }
        return "\(value)"
    }
}

protocol ParsedValue { var parsedValue: Any { get } }
extension Option: ParsedValue { var parsedValue: Any { wrappedValue } }
extension Argument: ParsedValue { var parsedValue: Any { wrappedValue } }
extension Flag: ParsedValue { var parsedValue: Any { wrappedValue } }
