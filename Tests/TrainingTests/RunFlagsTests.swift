import ArgumentParser
import Testing
import ToolSupport
@testable import Training

/// `--resume` compares the flags a checkpoint's state keeps, keyed by the names `RunFlags` derives
/// from the option groups' properties: each must be a flag the group really declares.
struct RunFlagsTests {
    func check<G: ParsableArguments>(_ group: G.Type) {
        let help = G.helpMessage(columns: 1000)
        let names = RunFlags.names(of: group)
        #expect(!names.isEmpty)
        for name in names { #expect(help.contains("--\(name) ") || help.contains("<\(name)>"), "\(G.self): no --\(name) in its help") }
    }

    @Test func keysAreTheGroupsFlags() {
        check(ModelOptions.self)
        check(PretrainingDataOptions.self)
        check(OptimizerOptions<PretrainingDefaults>.self)
        check(OptimizerOptions<FinetuningDefaults>.self)
        check(FinetuningDataOptions.self)
    }

    @Test func valuesAreTheFlagsText() throws {
        let model = try ModelOptions.parse(["--model", "gated-ssm-plus", "--d-model", "64", "--vocab-size", "300"])
        #expect(RunFlags.of(model) == ["model": "gated-ssm-plus", "preset": "small", "d-model": "64", "vocab-size": "300"])
        let optimizer = try OptimizerOptions<FinetuningDefaults>.parse(["--lr", "3e-3"])
        #expect(RunFlags.of(optimizer) == ["steps": "250", "batch": "8", "lr": "0.003", "weight-decay": "0.1", "clip": "1.0"])
    }
}
