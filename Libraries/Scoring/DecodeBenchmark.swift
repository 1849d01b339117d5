import Foundation
import Models
import Vocabulary

/// `score bench`: greedy decoding speed and memory against context length. The context is built by
/// decoding itself (one step per token from an empty prompt), so the memory measured is what
/// decoding keeps: the recurrent state (constant) or the transformer's keys and values (growing).
public enum DecodeBenchmark {
    public struct Point: Sendable {
        public var context: Int
        public var tokensPerSecond: Double
        /// Resident memory above the level after the first step, MB.
        public var stateMB: Double
    }

    /// Decodes up to the largest context; at each of `contexts`, times `window` steps (the median).
    public static func run(_ config: ModelConfig, contexts: [Int], window: Int = 32, seed: UInt64 = 1,
                           log: (String) -> Void = { _ in }) -> [Point] {
        let model = Model(config, seed: seed)
        let decoder = Decoder(model)
        var token = TokenID(argmax(decoder.start(prefix: [Vocabulary.byteBase])))
        func step() { token = TokenID(argmax(decoder.step(token)) % (config.vocab - Int(Vocabulary.byteBase))) + Vocabulary.byteBase }
        step()
        let baseline = residentMB()
        var points: [Point] = []
        var position = 2
        for context in contexts.sorted() {
            while position < context { step(); position += 1 }
            // The median step of the window: the machine is shared and noisy.
            var times: [Double] = []
            for _ in 0..<window {
                let started = Date()
                step()
                times.append(Date().timeIntervalSince(started))
            }
            position += window
            let median = times.sorted()[times.count / 2]
            points.append(Point(context: context, tokensPerSecond: 1 / median, stateMB: residentMB() - baseline))
            log("\(config.kind.rawValue): context \(context): \(String(format: "%.1f", points.last!.tokensPerSecond)) tokens/s")
        }
        return points
    }

    /// Current resident set size in MB (Linux /proc/self/statm; 0 elsewhere).
    public static func residentMB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    /// The side-by-side table.
    public static func table(_ results: [(name: String, points: [Point])]) -> String {
        var lines = ["context\t" + results.map { "\($0.name) tokens/s\t\($0.name) MB" }.joined(separator: "\t")]
        for (i, p) in results[0].points.enumerated() {
            lines.append("\(p.context)\t" + results.map {
                String(format: "%.1f\t%.1f", $0.points[i].tokensPerSecond, $0.points[i].stateMB)
            }.joined(separator: "\t"))
        }
        return lines.joined(separator: "\n")
    }
}
