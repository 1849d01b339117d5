import Foundation
import Testing
@testable import Controller
import Randomness

/// Small settings so controller tests run fast; the algorithm is the same.
func smallSettings(seed: UInt64 = 1, totalSteps: Int = 3200) -> ControllerSettings {
    var s = ControllerSettings(seed: seed, totalSteps: totalSteps)
    s.width = 32
    s.layers = 2
    s.training.steps = 40
    s.sampler.candidates = 256
    return s
}

func classSet(_ classes: [String]) throws -> ConfigurationSet {
    try ConfigurationSet(classes.enumerated().map { ControllerConfiguration(name: "c\($0.offset)", objectiveClass: $0.element) })
}

/// A deterministic stream of evaluations with the controller in the loop.
func drive(_ controller: BirdieController, evaluations: Int) throws -> [Decision] {
    var losses = [Double](repeating: 4, count: controller.configurations.count)
    var mixture = controller.mixture
    var decisions: [Decision] = []
    for step in controller.schedule.evaluationSteps.prefix(evaluations) {
        for k in losses.indices { losses[k] *= 1 - 0.05 * mixture[k] * Double(k + 1) }
        let d = try controller.observe(Evaluation(step: step, losses: losses, action: mixture))
        mixture = d.mixture
        decisions.append(d)
    }
    return decisions
}

@Suite struct SamplerTests {
    @Test func candidatesAreNormalised() {
        var random = Xoshiro256StarStar(seed: 1)
        let sampler = ActionSampler(candidates: 100, top: 8)
        let c = sampler.drawCandidates(k: 7, random: &random)
        for row in 0..<100 {
            let r = c[(row * 7)..<((row + 1) * 7)]
            #expect(abs(r.reduce(0, +) - 1) < 1e-5)
            #expect(r.allSatisfy { $0 >= 0 })
        }
        #expect(Set(c).count > 600)
    }

    @Test func explorationPutsWeightOnOneOrTwoClasses() throws {
        let set = try classSet(["A", "A", "B", "C", "C", "C"])
        var random = Xoshiro256StarStar(seed: 2)
        var sizes = Set<Int>()
        for _ in 0..<50 {
            let a = ActionSampler.explorationAction(set, random: &random)
            #expect(abs(a.reduce(0, +) - 1) < 1e-5)
            let classes = Set(a.indices.filter { a[$0] > 0 }.map { set.classIndex[$0] })
            sizes.insert(classes.count)
            // Within a chosen class the weight is split evenly.
            for c in classes {
                let w = set.members(ofClass: c).map { a[$0] }
                #expect(w.allSatisfy { abs($0 - w[0]) < 1e-7 })
            }
        }
        #expect(sizes == [1, 2])
    }

    @Test func bestCandidatesAreAveragedAndNormalised() {
        let sampler = ActionSampler(candidates: 4, top: 2)
        let c: [Float] = [1, 0, 0,  0, 1, 0,  0, 0, 1,  0.5, 0.5, 0]
        let (mixture, mean) = sampler.combineBest(c, scores: [0.1, 0.9, 0.2, 0.8], k: 3)
        #expect(mixture == [0.25, 0.75, 0])
        #expect(abs(mean - 0.85) < 1e-12)
    }

    /// What a perfect critic can reach: score each candidate by its mass on 3 of 12 configurations
    /// and take the sampler's choice. The paper's normalised uniform candidates cap that mass at
    /// about one half (0.47-0.51 over seeds); a candidate power of 4 lets it pass 0.8.
    @Test func oracleCeiling() {
        func oracleMass(power: Double, seed: UInt64) -> Double {
            let sampler = ActionSampler(power: power), k = 12
            var random = Xoshiro256StarStar(seed: seed)
            let c = sampler.drawCandidates(k: k, random: &random)
            let scores = (0..<sampler.candidates).map { r in (0..<3).reduce(0.0) { $0 + Double(c[r * k + $1]) } }
            let mixture = sampler.combineBest(c, scores: scores, k: k).mixture
            return mixture[0] + mixture[1] + mixture[2]
        }
        for seed in UInt64(1)...5 {
            let paper = oracleMass(power: 1, seed: seed), sharp = oracleMass(power: 4, seed: seed)
            #expect(paper > 0.4 && paper < 0.56, "power 1, seed \(seed): \(paper)")
            #expect(sharp > 0.8, "power 4, seed \(seed): \(sharp)")
        }
    }
}

@Suite struct BirdieControllerTests {
    @Test func warmupThenCritic() throws {
        let controller = try BirdieController(configurations: classSet(["A", "A", "B"]), settings: smallSettings())
        let decisions = try drive(controller, evaluations: 6)
        #expect(decisions.map(\.step) == [1, 5, 25, 50, 100, 150])
        #expect(decisions[0].phase == .warmup && decisions[1].phase == .warmup)
        #expect(decisions[0].mixture == [0.25, 0.25, 0.5])
        #expect(decisions[0].rewards == nil && decisions[1].rewards != nil)
        #expect(decisions[2...].allSatisfy { $0.phase == .critic && $0.predictedReward != nil })
        for d in decisions { #expect(abs(d.mixture.reduce(0, +) - 1) < 1e-9) }
        #expect(decisions[2].mixture != decisions[3].mixture)
    }

    @Test func sameSeedSameDecisionsOtherSeedOthers() throws {
        let set = try classSet(["A", "B", "C", "D"])
        let a = try drive(BirdieController(configurations: set, settings: smallSettings(seed: 7)), evaluations: 6)
        let b = try drive(BirdieController(configurations: set, settings: smallSettings(seed: 7)), evaluations: 6)
        let c = try drive(BirdieController(configurations: set, settings: smallSettings(seed: 8)), evaluations: 6)
        #expect(a == b)
        #expect(a.last!.mixture != c.last!.mixture)
    }

    /// Once trained on a history where action matters, the critic's scores differ across
    /// candidates and rank them by the true reward (reading padding would not).
    @Test func trainedCriticScoresDifferAcrossCandidates() throws {
        let set = try classSet(["A", "B", "C", "D"])
        var settings = smallSettings()
        settings.training.steps = 200
        let controller = try BirdieController(configurations: set, settings: settings)
        var random = Xoshiro256StarStar(seed: 11)
        // History: losses fall in proportion to the share given to configuration 0 only.
        var losses = [4.0, 4.0, 4.0, 4.0]
        var history: [Evaluation] = []
        for i in 0..<12 {
            let raw = (0..<4).map { _ in random.unit() + 0.05 }
            let action = raw.map { $0 / raw.reduce(0, +) }
            // The action reported at an evaluation is the mixture that trained since the previous one.
            if i > 0 { losses[0] *= 1 - 0.15 * action[0] }
            history.append(Evaluation(step: 10 * (i + 1), losses: losses, action: i == 0 ? set.startingMixture : action))
        }
        controller.preload(history.dropLast())
        _ = try controller.observe(history.last!)
        let (inputs, _) = controller.trainingSequence()
        let state = controller.critic.finalState(after: inputs, steps: controller.history.count - 1)
        var cr = Xoshiro256StarStar(seed: 3)
        let candidates = ActionSampler(candidates: 200, top: 8).drawCandidates(k: 4, random: &cr)
        let scores = ActionSampler.score(candidates, count: 200, critic: controller.critic, state: state,
                                         currentLosses: losses.map(Float.init), classScale: set.classScale)
        let mean = scores.reduce(0, +) / 200
        let sd = (scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 200).squareRoot()
        #expect(sd > 0.01, "scores barely differ: sd \(sd)")
        // Scores should rise with the weight on configuration 0.
        let w0 = (0..<200).map { Double(candidates[$0 * 4]) }
        let m0 = w0.reduce(0, +) / 200
        let cov = zip(w0, scores).reduce(0) { $0 + ($1.0 - m0) * ($1.1 - mean) } / 200
        let sd0 = (w0.reduce(0) { $0 + ($1 - m0) * ($1 - m0) } / 200).squareRoot()
        #expect(cov / (sd0 * sd) > 0.7, "correlation with the weight on the learning configuration")
    }

    @Test func badInputIsRejectedOrSkipped() throws {
        let set = try classSet(["A", "B", "C"])
        let controller = try BirdieController(configurations: set, settings: smallSettings())
        let u = set.startingMixture
        #expect(throws: ControllerError.self) { try controller.observe(Evaluation(step: 1, losses: [1, 2], action: u)) }
        #expect(throws: ControllerError.self) { try controller.observe(Evaluation(step: 1, losses: [1, 2, 3], action: [0.5, 0.5])) }
        #expect(throws: ControllerError.self) { try controller.observe(Evaluation(step: 1, losses: [1, 2, 3], action: [0.5, 0.6, 0.2])) }
        #expect(throws: ControllerError.self) { try controller.observe(Evaluation(step: 1, losses: [1, 2, 3], action: [1.5, -0.5, 0])) }
        let skipped = try controller.observe(Evaluation(step: 1, losses: [1, .nan, 3], action: u))
        #expect(skipped.phase == .skipped && skipped.mixture == u && skipped.note != nil)
        #expect(controller.history.isEmpty)
        _ = try controller.observe(Evaluation(step: 5, losses: [1, 2, 3], action: u))
        #expect(throws: ControllerError.self) { try controller.observe(Evaluation(step: 5, losses: [1, 2, 3], action: u)) }
        #expect(controller.history.count == 1)
    }

    @Test func stateRoundTripContinuesIdentically() throws {
        let set = try classSet(["A", "A", "B", "C"])
        let whole = try BirdieController(configurations: set, settings: smallSettings(seed: 3))
        let all = try drive(whole, evaluations: 7)
        let first = try BirdieController(configurations: set, settings: smallSettings(seed: 3))
        _ = try drive(first, evaluations: 4)
        let data = try first.stateData()
        let resumed = try BirdieController(state: data, source: "state")
        #expect(resumed.history == first.history && resumed.mixture == first.mixture)
        var losses = whole.history[3].losses   // continue the same loss stream from evaluation 4
        var mixture = resumed.mixture
        var rest: [Decision] = []
        for step in resumed.schedule.evaluationSteps[4..<7] {
            for k in losses.indices { losses[k] *= 1 - 0.05 * mixture[k] * Double(k + 1) }
            let d = try resumed.observe(Evaluation(step: step, losses: losses, action: mixture))
            mixture = d.mixture
            rest.append(d)
        }
        #expect(rest == Array(all[4..<7]))
        var damaged = data
        damaged[damaged.count - 3] ^= 0xFF
        #expect(throws: ControllerError.self) { try BirdieController(state: damaged, source: "s") }
        #expect(throws: ControllerError.self) { try BirdieController(state: Data("hello".utf8), source: "s") }
    }

    /// A critic state file split into its JSON header and payload, and put back together (the
    /// header's length rewritten): for editing either.
    struct StateParts {
        var header: String, payload: Data
        init(_ data: Data) {
            let length = Int(data.subdata(in: 8..<16).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
            header = String(decoding: data.subdata(in: 16..<(16 + length)), as: UTF8.self)
            payload = Data(data.suffix(from: 16 + length))
        }
        /// The file; with `checksummed`, the header's payload checksum made right for the payload.
        func data(checksummed: Bool = false) -> Data {
            let h = checksummed ? header.replacing(/"payloadChecksum":\d+/, with: "\"payloadChecksum\":\(fnv1a(payload))") : header
            var out = Data("BRDCTRL1".utf8)
            withUnsafeBytes(of: UInt64(h.utf8.count).littleEndian) { out.append(contentsOf: $0) }
            return out + Data(h.utf8) + payload
        }
    }

    /// The JSON header is outside the checksum: numbers in it that are out of range or claim more
    /// than the file holds are refused before anything is allocated from them.
    @Test func headerNumbersOutOfRangeAreRefused() throws {
        let controller = try BirdieController(configurations: try classSet(["A", "B"]), settings: smallSettings(seed: 3))
        _ = try drive(controller, evaluations: 2)
        let data = try controller.stateData()
        let parts = StateParts(data)
        func with(_ from: String, _ to: String) -> Data {
            var edited = parts
            edited.header = parts.header.replacingOccurrences(of: from, with: to)
            return edited.data()
        }
        let layers = "\"layers\":\(controller.settings.layers)", width = "\"width\":\(controller.settings.width)"
        #expect(parts.header.contains(layers) && parts.header.contains(width))
        for bad in [with(layers, "\"layers\":-1"), with(layers, "\"layers\":2147483647"), with(width, "\"width\":1000000000"),
                    with("\"evaluations\":2", "\"evaluations\":-5"), with("\"evaluations\":2", "\"evaluations\":9223372036854775807")] {
            #expect(throws: ControllerError.self) { try BirdieController(state: bad, source: "s") }
        }
        var huge = data
        huge.replaceSubrange(8..<16, with: [UInt8](repeating: 0xFF, count: 8))
        #expect(throws: ControllerError.self) { try BirdieController(state: huge, source: "s") }
        #expect(try BirdieController(state: with(layers, layers), source: "s").history == controller.history)
    }

    /// A payload whose checksum was made right again (found by `make fuzz`: a NaN history step
    /// trapped in Int()) is still checked value by value: weights, history steps, losses, actions.
    @Test func payloadValuesAreCheckedBehindTheChecksum() throws {
        let controller = try BirdieController(configurations: try classSet(["A", "B"]), settings: smallSettings(seed: 3))
        _ = try drive(controller, evaluations: 2)
        let parts = StateParts(try controller.stateData())
        let historyStart = 3 * 4 * controller.critic.parameterCount
        /// The state with the bytes at `offset` of the payload replaced and the checksum redone.
        func with(_ bytes: [UInt8], at offset: Int) -> Data {
            var edited = parts
            edited.payload.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
            return edited.data(checksummed: true)
        }
        func with(_ value: Double, at offset: Int) -> Data { with(withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init), at: offset) }
        let k = 2, second = historyStart + 8 * (1 + 2 * k)
        for (value, offset) in [(Double.nan, historyStart), (1e300, historyStart), (-3, second),   // steps
                                (Double.infinity, historyStart + 8), (0.9, historyStart + 8 * (1 + k))] {   // a loss, an action weight
            #expect(throws: ControllerError.self, "\(value) at \(offset)") { try BirdieController(state: with(value, at: offset), source: "s") }
        }
        #expect(throws: ControllerError.self) { try BirdieController(state: with([0x00, 0x00, 0xC0, 0x7F], at: 0), source: "s") }   // a NaN weight
        #expect(try BirdieController(state: with(Double(controller.history[0].step), at: historyStart), source: "s").history == controller.history)
    }
}

@Suite struct ProtocolTests {
    let set = try! classSet(["A", "B"])

    @Test func objectAndArrayForms() throws {
        let a = try CriticProtocol.parseEvaluation(#"{"step": 5, "losses": {"c1": 2.5, "c0": 3}, "action": [0.25, 0.75], "extra": 1}"#, configurations: set)
        #expect(a == Evaluation(step: 5, losses: [3, 2.5], action: [0.25, 0.75]))
        let b = try CriticProtocol.parseEvaluation(#"{"step": 5, "losses": [3, NaN], "action": {"c0": 0.5, "c1": 0.5}}"#, configurations: set)
        #expect(b.losses[1].isNaN)
        let c = try CriticProtocol.parseEvaluation(#"{"step": 5, "losses": [3, null], "action": [0.5, 0.5]}"#, configurations: set)
        #expect(c.losses[1].isNaN)
    }

    /// A number too large for a double is an unusable loss (skipped), not a malformed line; one
    /// that fits is read exactly, also in exponent form.
    @Test func overflowingNumbersAreUnusableLosses() throws {
        let a = try CriticProtocol.parseEvaluation(#"{"step": 5, "losses": [1e999, -2E+400], "action": [0.5, 0.5]}"#, configurations: set)
        #expect(a.losses[0].isNaN && a.losses[1].isNaN)
        let b = try CriticProtocol.parseEvaluation(#"{"step": 5, "losses": [1.5e2, -0.25], "action": [0.5, 0.5], "n": "1e999"}"#, configurations: set)
        #expect(b.losses == [150, -0.25])
        #expect(throws: ControllerError.self) {
            try CriticProtocol.parseEvaluation(#"{"step": 1e999, "losses": [3, 2], "action": [0.5, 0.5]}"#, configurations: set)
        }
    }

    @Test func malformedLinesThrow() {
        for line in [#"{"step": 5, "losses": [3, 2"#, #"[1, 2]"#, #"{"losses": [3, 2], "action": [0.5, 0.5]}"#,
                     #"{"step": 5, "losses": [3, 2, 1], "action": [0.5, 0.5]}"#,
                     #"{"step": 5, "losses": {"c0": 3}, "action": [0.5, 0.5]}"#,
                     #"{"step": 5, "losses": {"c0": 3, "c1": 2, "zz": 1}, "action": [0.5, 0.5]}"#,
                     #"{"step": 5, "losses": [3, "x"], "action": [0.5, 0.5]}"#,
                     #"{"step": 5, "losses": [3, 2], "action": [NaN, 0.5]}"#,
                     #"{"step": 5.5, "losses": [3, 2], "action": [0.5, 0.5]}"#] {
            #expect(throws: ControllerError.self, "\(line)") { try CriticProtocol.parseEvaluation(line, configurations: set) }
        }
    }

    @Test func outputRoundTripsExactly() throws {
        let weights = [0.1 + 0.2, 1 - (0.1 + 0.2)]
        let line = CriticProtocol.format(Decision(step: 9, phase: .critic, mixture: weights), configurations: set)
        struct Output: Decodable { var mixture: [String: Double] }
        let mixture = try JSONDecoder().decode(Output.self, from: Data(line.utf8)).mixture
        #expect(mixture["c0"] == weights[0] && mixture["c1"] == weights[1])
        #expect(line.hasPrefix(#"{"step":9,"phase":"critic","mixture":{"c0":"#))
    }

    @Test func configurationsFile() throws {
        // A grid file of the Objectives library: each entry carries its class.
        let grid = #"{"grid": "light", "configurations": [{"name": "next-token", "class": "next-token", "objective": "next-token", "length": [1, 2]}, {"name": "fsc", "class": "autoencoding", "objective": "full-span-corruption", "deshuffle": false}, {"name": "fscd", "class": "autoencoding", "objective": "full-span-corruption", "deshuffle": true}]}"#
        let (g, name) = try CriticProtocol.readConfigurations(Data(grid.utf8), source: "light.json")
        #expect(name == "light" && g.names == ["next-token", "fsc", "fscd"] && g.classes == ["next-token", "autoencoding"])
        #expect(g.classScale == [1, 0.5, 0.5])
        // The class is never guessed from the objective's name (the Objectives library owns that mapping).
        #expect(throws: ControllerError.self) {
            try CriticProtocol.readConfigurations(Data(#"{"configurations": [{"name": "a", "objective": "copying"}]}"#.utf8), source: "x")
        }
        let text = #"[{"name": "sc-3-15", "class": "SC", "weight": 0.5}, {"name": "clm", "class": "CLM"}]"#
        let (s, none) = try CriticProtocol.readConfigurations(Data(text.utf8), source: "m.json")
        #expect(none == nil && s.names == ["sc-3-15", "clm"] && s.classes == ["SC", "CLM"])
        let again = try CriticProtocol.readConfigurations(Data(CriticProtocol.formatConfigurations(s).utf8), source: "x")
        #expect(again.set == s)
        let line = CriticProtocol.format(Decision(step: 3, phase: .warmup, mixture: [0.5, 0.5]), configurations: s, grid: "light")
        #expect(line.hasPrefix(#"{"grid":"light","step":3,"phase":"warmup","mixture":{"sc-3-15":0.5,"clm":0.5}"#))
        #expect(throws: ControllerError.self) { try CriticProtocol.readConfigurations(Data(#"[{"name": "a"}]"#.utf8), source: "x") }
        #expect(throws: ControllerError.self) {
            try CriticProtocol.readConfigurations(Data(#"[{"name": "a", "class": "A"}, {"name": "a", "class": "B"}]"#.utf8), source: "x")
        }
    }
}
