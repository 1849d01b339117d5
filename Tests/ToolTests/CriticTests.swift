import Foundation
import Testing

/// End-to-end tests of the `critic` binary (.build/release/critic).
@Suite(.serialized) struct CriticToolTests {
    static func critic(_ arguments: [String], stdin: String = "") throws -> ToolRunner.Run {
        try ToolRunner.run("critic", arguments, stdin: .data(Data(stdin.utf8)))
    }

    static func temporaryFolder() throws -> URL {
        URL(fileURLWithPath: try ToolRunner.temporaryFolder("critic-tests"))
    }

    struct Row: Decodable {
        var policy: String
        var step: Int
        var phase: String
        var mixture: [Double]
        var summed_loss: Double
        var fast_mass: Double
    }

    struct Output: Decodable {
        var step: Int
        var phase: String
        var mixture: [String: Double]
    }

    static func rows(_ path: URL) throws -> [Row] {
        try String(contentsOf: path, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(Row.self, from: Data($0.utf8))
        }
    }

    /// A smaller critic (width 64) keeps this fast; the algorithm is unchanged.
    static let fastCritic = ["--critic-width", "64"]

    /// 12 configurations, 3 with a 60x higher hidden rate. Over 4 seeds the controller moves mass
    /// to the fast ones (uniform: 0.25). The summed loss is compared, pooled over the seeds,
    /// with the uniform mixture (see the report: the gain is seed-dependent).
    @Test func simulateMovesMassToTheFastConfigurations() throws {
        let dir = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var masses: [Double] = [], criticLoss = 0.0, uniformLoss = 0.0
        for seed in 1...4 {
            let path = dir.appendingPathComponent("trajectory-\(seed).jsonl")
            let r = try Self.critic(["simulate", "--seed", "\(seed)", "-o", path.path] + Self.fastCritic)
            #expect(r.status == 0, "\(r.stderr)")
            let rows = try Self.rows(path)
            let critic = rows.filter { $0.policy == "critic" }, uniform = rows.filter { $0.policy == "uniform" }
            #expect(critic.count == 36 && uniform.count == 36)
            #expect(uniform.allSatisfy { abs($0.fast_mass - 0.25) < 1e-9 })
            // After a few evaluations (5 decisions past the warm-up):
            let later = critic.filter { $0.phase == "critic" }.dropFirst(5).map(\.fast_mass)
            let mean = later.reduce(0, +) / Double(later.count)
            masses.append(mean)
            #expect(mean > 0.27, "seed \(seed): mean mass on the fast configurations \(mean)")
            criticLoss += critic.map(\.summed_loss).reduce(0, +) / 36
            uniformLoss += uniform.map(\.summed_loss).reduce(0, +) / 36
        }
        let pooled = masses.reduce(0, +) / 4
        #expect(pooled > 0.29, "mean mass on the fast configurations over seeds: \(pooled)")
        // Mean summed loss over the run (area under the curve), pooled over seeds.
        #expect(criticLoss / 4 < uniformLoss / 4 + 0.25, "critic \(criticLoss / 4) vs uniform \(uniformLoss / 4)")
    }

    /// The paper's critic (width 256) with sharper candidates (--candidate-power 4; the paper's
    /// candidates cap the mass near one half, ControllerTests `oracleCeiling`): pooled over 4 seeds,
    /// most of the mass goes to the 3 fast configurations after the first dozen decisions, and the
    /// final summed loss is lower than under the uniform mixture. Measured: masses 0.74 0.74 0.67
    /// 0.42, final summed loss -0.99 -1.18 -1.11 +0.77 against uniform (seed 4 locks in early).
    @Test func sharperCandidatesPutMostMassOnTheFastConfigurations() throws {
        let dir = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var masses: [Double] = [], criticFinal = 0.0, uniformFinal = 0.0
        for seed in 1...4 {
            let path = dir.appendingPathComponent("trajectory-\(seed).jsonl")
            let r = try Self.critic(["simulate", "--seed", "\(seed)", "--candidate-power", "4", "-o", path.path])
            #expect(r.status == 0, "\(r.stderr)")
            let rows = try Self.rows(path)
            let later = rows.filter { $0.policy == "critic" && $0.phase == "critic" }.dropFirst(12).map(\.fast_mass)
            masses.append(later.reduce(0, +) / Double(later.count))
            criticFinal += rows.last { $0.policy == "critic" }!.summed_loss
            uniformFinal += rows.last { $0.policy == "uniform" }!.summed_loss
        }
        let pooled = masses.reduce(0, +) / 4
        #expect(pooled > 0.55, "mass on the fast configurations per seed: \(masses)")
        #expect(criticFinal / 4 < uniformFinal / 4 - 0.3, "final summed loss: critic \(criticFinal / 4), uniform \(uniformFinal / 4)")
    }

    /// The pipe gives exactly the decisions `simulate` got in-process, and a restart through the
    /// state file continues identically.
    @Test func pipeMatchesInProcessAndSurvivesRestarts() throws {
        let dir = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trajectory = dir.appendingPathComponent("t.jsonl"), configurations = dir.appendingPathComponent("c.json")
        let settings = ["--seed", "5", "--total-steps", "3200", "--critic-width", "32", "--candidates", "512"]
        let sim = try Self.critic(["simulate", "-o", trajectory.path, "--configurations-out", configurations.path] + settings)
        #expect(sim.status == 0, "\(sim.stderr)")
        let lines = try String(contentsOf: trajectory, encoding: .utf8).split(separator: "\n")
            .filter { $0.contains(#""policy":"critic""#) }.map(String.init)
        let expected = try Self.rows(trajectory).filter { $0.policy == "critic" }
        let names = (0..<12).map { String(format: "c%02d", $0) }

        func decisions(_ stdout: String) throws -> [[Double]] {
            try stdout.split(separator: "\n").map { line in
                let o = try JSONDecoder().decode(Output.self, from: Data(line.utf8))
                return names.map { o.mixture[$0]! }
            }
        }
        let whole = try Self.critic(["--configurations", configurations.path] + settings,
                                    stdin: lines.joined(separator: "\n") + "\n")
        #expect(whole.status == 0, "\(whole.stderr)")
        let piped = try decisions(whole.out)
        #expect(piped.count == expected.count)
        #expect(piped == expected.map(\.mixture), "pipe and in-process decisions differ")

        let state = dir.appendingPathComponent("critic.state").path
        let first = try Self.critic(["--configurations", configurations.path, "--state", state] + settings,
                                    stdin: lines[..<10].joined(separator: "\n") + "\n")
        let second = try Self.critic(["--state", state, "-q"], stdin: lines[10...].joined(separator: "\n") + "\n")
        #expect(first.status == 0 && second.status == 0, "\(first.stderr) \(second.stderr)")
        #expect(try decisions(first.out) + decisions(second.out) == piped)
    }

    @Test func badInputFailsClearlyOrSkipsWithALog() throws {
        let dir = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let configurations = dir.appendingPathComponent("c.json")
        try Data(#"[{"name": "a", "class": "A"}, {"name": "b", "class": "B"}]"#.utf8).write(to: configurations)
        let base = ["--configurations", configurations.path, "--critic-width", "16", "--critic-training-steps", "5", "--candidates", "64"]
        let good = #"{"step": 10, "losses": {"a": 3, "b": 4}, "action": {"a": 0.5, "b": 0.5}}"#
        for (bad, fragment) in [(#"{"step": 20, "losses": [3, 4"#, "not valid JSON"),
                                (#"{"step": 20, "losses": [3, 4, 5], "action": [0.5, 0.5]}"#, "3 values for 2"),
                                (#"{"step": 20, "losses": [3, 4], "action": [0.9, 0.5]}"#, "sum to"),
                                (#"{"step": 5, "losses": [3, 4], "action": [0.5, 0.5]}"#, "does not come after")] {
            let r = try Self.critic(base, stdin: good + "\n" + bad + "\n")
            #expect(r.status == 65, "\(bad): \(r.stderr)")
            #expect(r.stderr.contains("line 2") && r.stderr.contains(fragment), "\(r.stderr)")
            #expect(r.out.split(separator: "\n").count == 1)   // the good line was answered
        }
        let nan = #"{"step": 20, "losses": {"a": NaN, "b": 3.9}, "action": {"a": 0.5, "b": 0.5}}"#
        let r = try Self.critic(base, stdin: good + "\n" + nan + "\n")
        #expect(r.status == 0)
        #expect(r.stderr.contains("line 2") && r.stderr.contains("skipped"))
        let out = r.out.split(separator: "\n").map { try! JSONDecoder().decode(Output.self, from: Data($0.utf8)) }
        #expect(out.count == 2 && out[1].phase == "skipped" && out[1].mixture == out[0].mixture)
        let missing = try Self.critic(["--critic-width", "16"], stdin: good + "\n")
        #expect(missing.status == 64)
    }
}
