import Foundation

/// When to draw progress on stderr.
public enum ProgressMode: String, CaseIterable, Sendable {
    case auto, always, never
}

/// Progress on stderr: a redrawn bar with rate and ETA on a terminal, plain periodic lines in a
/// log (never carriage returns there), and a closing summary with wall time and peak memory.
public final class Progress {
    private let label: String
    private let total: Double?
    private let unit: String
    private let enabled: Bool
    private let terminal: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let interval: TimeInterval

    public init(_ label: String, total: Double? = nil, unit: String = "items", mode: ProgressMode = .auto,
                logInterval: TimeInterval = 10) {
        self.label = label
        self.total = total
        self.unit = unit
        let tty = isatty(STDERR_FILENO) != 0
        self.terminal = tty
        self.enabled = mode == .always || (mode == .auto && tty)
        self.interval = tty ? 0.2 : logInterval
    }

    public var elapsed: TimeInterval { Date().timeIntervalSince(start) }

    /// Reports `done` units of work so far; cheap to call often.
    public func update(_ done: Double, extra: String = "") {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        let secs = max(now.timeIntervalSince(start), 1e-9)
        let rate = done / secs
        var line = "\(label): \(Progress.human(done)) \(unit)"
        if let total, total > 0 {
            let frac = min(done / total, 1)
            let eta = rate > 0 ? (total - done) / rate : .infinity
            if terminal {
                let width = 24, filled = Int(frac * Double(width))
                line = "\(label) [" + String(repeating: "#", count: filled)
                    + String(repeating: ".", count: width - filled) + "] "
            } else {
                line += " /"
            }
            line += String(format: " %.1f%% ", frac * 100)
            line += "\(Progress.human(rate)) \(unit)/s, ETA \(Progress.duration(eta))"
        } else {
            line += ", \(Progress.human(rate)) \(unit)/s"
        }
        if !extra.isEmpty { line += ", " + extra }
        if terminal {
            StandardStreams.writeError("\r\u{1B}[K" + line)
        } else {
            printError(line)
        }
    }

    /// Clears the bar and prints the closing line: wall time, peak memory and `summary`.
    public func finish(_ summary: String) {
        if enabled && terminal { StandardStreams.writeError("\r\u{1B}[K") }
        printError("\(label): \(summary); wall \(Progress.duration(elapsed)), peak memory \(String(format: "%.0f", peakMemoryMB())) MB")
    }

    public static func human(_ x: Double) -> String {
        let a = abs(x)
        if a >= 1e9 { return String(format: "%.2fG", x / 1e9) }
        if a >= 1e6 { return String(format: "%.2fM", x / 1e6) }
        if a >= 1e4 { return String(format: "%.1fk", x / 1e3) }
        if a == a.rounded() { return String(Int(x)) }
        return String(format: "%.2f", x)
    }

    public static func duration(_ s: TimeInterval) -> String {
        guard s.isFinite else { return "?" }
        if s < 60 { return String(format: "%.1fs", s) }
        let t = Int(s.rounded())
        if t < 3600 { return String(format: "%dm%02ds", t / 60, t % 60) }
        return String(format: "%dh%02dm", t / 3600, (t % 3600) / 60)
    }
}

/// Peak resident memory of this process in MB (Linux: VmHWM).
public func peakMemoryMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}
