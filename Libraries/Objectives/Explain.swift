import Foundation
import Vocabulary

/// Human-readable samples, like the paper's Table 1 (`corrupt --explain`):
///
///     #3 sc-r15-m3-l128-256 (span-corruption)
///     In:  [INFILL]The quick<extra_id_0> fox jumps<extra_id_1>
///     Tgt:  brown<extra_id_0> over the lazy dog<extra_id_1>
public enum SampleExplainer {
    /// `decode` turns a run of text tokens into text; reserved ids print by name.
    public static func explain(_ sample: ObjectiveSample, number: Int, grid: Grid, maxCharacters: Int,
                               decode: ([TokenID]) -> String) -> String {
        let c = grid.configurations[sample.configuration]
        return "#\(number) \(c.name) (\(c.objectiveClass.rawValue))\n"
            + "In:  \(render(sample.input, maxCharacters, decode))\n"
            + "Tgt: \(render(sample.target, maxCharacters, decode))\n"
    }

    static func render(_ ids: [TokenID], _ maxCharacters: Int, _ decode: ([TokenID]) -> String) -> String {
        var out = "", run = [TokenID]()
        for id in ids {
            if let name = Vocabulary.specialName(id) {
                out += decode(run) + name
                run.removeAll(keepingCapacity: true)
            } else {
                run.append(id)
            }
        }
        out += decode(run)
        out = out.replacingOccurrences(of: "\n", with: "\\n")
        guard out.count > maxCharacters, maxCharacters >= 20 else { return out }
        let half = maxCharacters / 2
        return String(out.prefix(half)) + " [... \(out.count - 2 * half) characters ...] " + String(out.suffix(half))
    }
}
