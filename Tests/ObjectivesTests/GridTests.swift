import Foundation
import Testing
import ToolSupport
import Vocabulary
@testable import Objectives
import Randomness

@Suite struct GridTests {
    @Test func birdiePoolHas104ConfigurationsInSevenClasses() throws {
        let grid = try Grid.resolve("birdie")
        #expect(grid.count == 104)
        #expect(Set(grid.names).count == 104)
        var perClass = [ObjectiveClass: Int]()
        for c in grid.classes { perClass[c, default: 0] += 1 }
        #expect(perClass == [.spanCorruption: 26, .autoencoding: 54, .selectiveCopying: 16, .copying: 2,
                             .deshuffling: 4, .nextToken: 1, .prefixLM: 1])
        let deshuffled = grid.configurations.filter { if case .fullSpanCorruption(_, true) = $0.objective { true } else { false } }
        #expect(deshuffled.count == 27)
    }

    @Test func startingMixtureIsOneSeventhPerClassEvenWithin() throws {
        let bfr = try Mixture.resolve("bfr")
        let start = Mixture.starting(bfr.grid)
        for (a, b) in zip(bfr.probabilities, start.probabilities) { #expect(abs(a - b) < 1e-12) }
        let classes = Set(bfr.grid.classes), scCount = bfr.grid.classes.filter { $0 == .spanCorruption }.count
        for (c, share) in bfr.classShares where classes.contains(c) { #expect(abs(share - 1.0 / Double(classes.count)) < 1e-9) }
        let sc = zip(bfr.grid.classes, bfr.probabilities).filter { $0.0 == .spanCorruption }.map(\.1)
        #expect(sc.allSatisfy { abs($0 - 1.0 / Double(classes.count) / Double(scCount)) < 1e-12 })
        let birdie = try Mixture.resolve("birdie")
        #expect(birdie == bfr)
    }

    @Test func lightPoolIsASubsetCoveringEveryClass() throws {
        let light = try Grid.resolve("light"), pool = try Grid.resolve("birdie")
        #expect((12...18).contains(light.count))
        #expect(Set(light.classes) == Set(pool.classes))
        for c in light.configurations { #expect(pool.configurations[pool.index(of: c.name)!] == c) }
    }

    @Test func ul2UsesItsParadigmTokensAndWeights() throws {
        let ul2 = try Mixture.resolve("ul2")
        let byName = Dictionary(uniqueKeysWithValues: zip(ul2.grid.names, zip(ul2.grid.configurations, ul2.probabilities)))
        #expect(ul2.grid.count == 7)
        for (name, (c, p)) in byName {
            if name.hasPrefix("ul2-r-") { #expect(c.paradigm == SpecialToken.paradigmUL2R.rawValue && abs(p - 0.2) < 1e-12) }
            if name.hasPrefix("ul2-s-") { #expect(c.paradigm == SpecialToken.paradigmUL2S.rawValue && abs(p - 0.2) < 1e-12 && c.objective == .prefixLM) }
            if name.hasPrefix("ul2-x-") { #expect(c.paradigm == SpecialToken.paradigmUL2X.rawValue && abs(p - 0.1) < 1e-12) }
        }
        #expect(byName["ul2-x-sc-r50-m64"]?.0.objective == .spanCorruption(SpanNoise(rate: 0.5, meanSpan: 64)))
        let clm = try Mixture.resolve("clm")
        #expect(clm.grid.configurations.map(\.objective) == [.nextToken] && clm.probabilities == [1])
    }

    private func withFile(_ text: String, _ body: (String) throws -> Void) rethrows {
        let path = NSTemporaryDirectory() + "/mixture-\(UUID().uuidString).json"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    @Test func unknownGridAndMixtureNamesAreUsageErrors() {
        for resolve in [{ _ = try Grid.resolve("nosuch") }, { _ = try Mixture.resolve("nosuch") }] as [() throws -> Void] {
            #expect { try resolve() } throws: { ($0 as? ToolError)?.code == .usage && ($0 as? ToolError)?.message.contains("unknown") == true }
        }
    }

    private func expectBadInput(_ text: String, _ fragment: String) {
        withFile(text) { path in
            do {
                _ = try Mixture.load(path: path)
                Issue.record("accepted: \(text)")
            } catch let e as ToolError {
                #expect(e.code == .dataError)
                #expect(e.message.contains(fragment), "\(e.message)")
                #expect(e.message.hasPrefix(path))
            } catch { Issue.record("\(error)") }
        }
    }

    @Test func mixtureFilesAreCheckedAndRoundTrip() throws {
        expectBadInput(#"{"grid": "light", "mixture": {"next-token": 0.5, "no-such-thing": 0.5}}"#, "unknown configuration")
        expectBadInput(#"{"grid": "light", "mixture": {"next-token": 0.5, "prefix-lm": 0.4}}"#, "sum to")
        expectBadInput(#"{"grid": "light", "mixture": {"next-token": 1.5, "prefix-lm": -0.5}}"#, "not a number >= 0")
        expectBadInput(#"{"grid": "light", "mix": {}}"#, "not a mixture file")
        expectBadInput("not json", "not a mixture file")
        expectBadInput(#"{"grid": "nope.json", "mixture": {"next-token": 1}}"#, "unknown grid")
        // Within tolerance: accepted and renormalised; controller logs: the last line counts.
        try withFile(#"{"grid": "light", "mixture": {"next-token": 0.5, "prefix-lm": 0.5000005}}"#) { path in
            let m = try Mixture.load(path: path)
            #expect(abs(m.probabilities.reduce(0, +) - 1) < 1e-12 && m.probabilities[1] > 0.5)
        }
        try withFile("{\"step\": 10, \"grid\": \"clm\", \"mixture\": {\"next-token\": 1}}\n{\"step\": 50, \"grid\": \"light\", \"mixture\": {\"copy-l64-256\": 1}}\n") { path in
            let m = try Mixture.load(path: path)
            #expect(m.grid.name == "light" && m.probabilities[m.grid.index(of: "copy-l64-256")!] == 1)
        }
        let ul2 = try Mixture.resolve("ul2")
        try withFile(ul2.json()) { path in
            let m = try Mixture.load(path: path)
            #expect(m == ul2)
        }
    }

    @Test func userGridFilesLoadAndBadOnesAreRefused() throws {
        let grid = #"{"grid": "mine", "reference_row_length": 512, "configurations": [{"name": "a", "objective": "deshuffling", "fraction": 0.3, "length": [10, 20]}]}"#
        let folder = NSTemporaryDirectory() + "/grid-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = FileManager.default.createFile(atPath: folder + "/mine.json", contents: Data(grid.utf8))
        _ = FileManager.default.createFile(atPath: folder + "/m.json", contents: Data(#"{"grid": "mine.json", "mixture": {"a": 1}}"#.utf8))
        let m = try Mixture.load(path: folder + "/m.json")
        #expect(m.grid.configurations[0].objective == .deshuffling(fraction: 0.3))
        #expect(m.grid.referenceRowLength == 512)
        for bad in [#"{"grid": "x", "reference_row_length": 512, "configurations": [{"name": "a", "objective": "magic", "length": [1, 2]}]}"#,
                    #"{"grid": "x", "reference_row_length": 512, "configurations": [{"name": "a", "objective": "span-corruption", "rate": 1.5, "mean_span": 3, "length": [1, 2]}]}"#,
                    #"{"grid": "x", "reference_row_length": 512, "configurations": [{"name": "a", "objective": "copying", "length": [5, 2]}]}"#] {
            #expect(throws: ToolError.self) { try Grid.parse(Data(bad.utf8), source: "g.json") }
        }
    }

    /// Every objective name builds its objective from a grid entry, and the objective gives its name back.
    @Test func everyObjectiveNameBuildsAndNamesItsObjective() throws {
        let extra: [ObjectiveName: String] = [.spanCorruption: #", "rate": 0.15, "mean_span": 3"#,
                                              .fullSpanCorruption: #", "rate": 0.5, "mean_span": 8, "deshuffle": true"#,
                                              .deshuffling: #", "fraction": 0.5"#, .selectiveCopying: #", "spans": 2, "query": "after""#]
        func parse(_ name: ObjectiveName, class objectiveClass: String? = nil) throws -> Grid {
            let given = objectiveClass.map { #", "class": "\#($0)""# } ?? ""
            let entry = #"{"name": "a", "objective": "\#(name.rawValue)"\#(given), "length": [64, 128]\#(extra[name] ?? "")}"#
            return try Grid.parse(Data(#"{"grid": "x", "reference_row_length": 512, "configurations": [\#(entry)]}"#.utf8), source: "g.json")
        }
        for name in ObjectiveName.allCases {
            #expect(try parse(name).configurations[0].objective.name == name)
            // A grid's "class" must be the registry's class of the objective.
            #expect(try parse(name, class: name.objectiveClass.rawValue).classes == [name.objectiveClass])
            for other in ObjectiveClass.allCases where other != name.objectiveClass {
                #expect(throws: ToolError.self) { try parse(name, class: other.rawValue) }
            }
        }
    }

    /// The built-in grids carry each configuration's class, and it is the registry's.
    @Test func builtInGridsCarryTheRegistrysClasses() throws {
        for name in Grid.builtInNames {
            let path = Resources.path("grids/\(name).json")
            let file = try #require(JSONSerialization.jsonObject(with: try Resources.read(path)) as? [String: Any])
            let entries = try #require(file["configurations"] as? [[String: Any]])
            let grid = try Grid.resolve(name)
            #expect(entries.map { $0["class"] as? String } == grid.classes.map(\.rawValue), "\(name)")
        }
    }

    /// Each class has a paradigm token of its own, and a grid may name any paradigm token (and no other).
    @Test func paradigmTokensComeFromTheRegistry() throws {
        let paradigms = ObjectiveClass.allCases.map(\.paradigm)
        #expect(Set(paradigms).count == paradigms.count && paradigms.allSatisfy(\.isParadigm))
        for token in SpecialToken.allCases {
            let entry = #"{"name": "a", "objective": "copying", "paradigm": "\#(token.name)", "length": [64, 128]}"#
            let data = Data(#"{"grid": "x", "reference_row_length": 512, "configurations": [\#(entry)]}"#.utf8)
            if token.isParadigm {
                #expect(try Grid.parse(data, source: "g.json").configurations[0].paradigm == token.rawValue)
            } else {
                #expect(throws: ToolError.self) { try Grid.parse(data, source: "g.json") }
            }
        }
    }

    @Test func samplerFollowsTheProbabilitiesAndNeverDrawsZeros() {
        let p = [0.0, 0.5, 0.0, 0.25, 0.25, 0.0]
        let sampler = ConfigurationSampler(probabilities: p)
        var rng = Xoshiro256StarStar(seed: 4)
        var counts = [Int](repeating: 0, count: p.count)
        for _ in 0..<40_000 { counts[sampler.draw(&rng)] += 1 }
        for i in p.indices { #expect(abs(Double(counts[i]) / 40_000 - p[i]) < 0.01) }
        #expect(counts[0] == 0 && counts[2] == 0 && counts[5] == 0)
    }
}
