import Foundation
import Testing

/// What a new user meets first: outputs into folders that do not exist yet, one-line errors that
/// name the tool, help that shows the options a tool takes, and runs that would quietly train on
/// a sliver of their data refused.
@Suite(.serialized) struct NewcomerTests {
    @Test func anOutputInAMissingFolderIsCreatedAndAFolderOutputRefusedBeforeWork() throws {
        let dir = ScoreTests.fixture
        let folder = "new-\(UUID().uuidString)/deeper"
        let made = try ToolRunner.run("train", ["--model", "hawk", "--preset", "tiny", "--task", "copying", "--steps", "1", "--batch", "1",
                                                "--length", "16", "--eval-batches", "0", "-q", "-o", folder + "/m.ckpt"], in: dir)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/" + folder + "/m.ckpt"))

        let started = Date()
        let onFolder = try ToolRunner.run("train", ["--model", "hawk", "--preset", "tiny", "--task", "copying", "--steps", "100000",
                                                    "-q", "-o", folder], in: dir)
        #expect(onFolder.status == 64 && onFolder.stderr.hasPrefix("train: error: ") && onFolder.stderr.contains("is a folder"))
        #expect(Date().timeIntervalSince(started) < 20, "refused before training, not after")
    }

    @Test func usageErrorsAreOneLineNamingTheTool() throws {
        for (tool, arguments) in [("train", ["--steps", "x"]), ("finetune", [String]()), ("pack", ["--window", "-"]),
                                  ("score", ["--task", "nosuch"]), ("critic", ["--candidates", "many"])] {
            let r = try ToolRunner.run(tool, arguments)
            #expect(r.status == 64, "\(tool) \(arguments)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("\(tool): error: "), "\(tool): \(r.stderr)")
        }
    }

    /// `TOOL --help` shows the default subcommand's options, names every subcommand, and starts each
    /// header (OVERVIEW:, USAGE:, ...) on a line of its own.
    @Test func helpOfAToolWithADefaultSubcommandShowsItsOptions() throws {
        for (tool, option, subcommands) in [("score", "--checkpoint", ["run (default)", "bench"]),
                                            ("corrupt", "--mixture", ["generate (default)", "bench"]),
                                            ("critic", "--configurations", ["run (default)", "simulate", "bench"])] {
            let r = try ToolRunner.run(tool, ["--help"])
            #expect(r.status == 0)
            #expect(r.out.contains(option) && r.out.contains("\nDEFAULT SUBCOMMAND: "), "\(tool) --help")
            let listed = r.out.components(separatedBy: "SUBCOMMANDS:\n").dropFirst().first ?? ""
            for name in subcommands { #expect(listed.contains("\n  \(name) ") || listed.hasPrefix("  \(name) "), "\(tool) --help lists \(name)") }
            for header in ["OVERVIEW:", "USAGE:", "OPTIONS:", "SUBCOMMANDS:", "EXAMPLES:"] {
                #expect(r.out.components(separatedBy: "\n").allSatisfy { !$0.contains(header) || $0.hasPrefix(header) }, "\(tool) --help: \(header) glued")
            }
        }
    }

    @Test func theTokenizerIsTheSameFlagInEveryTool() throws {
        for (tool, arguments) in [("tokenize", ["encode", "--help"]), ("tokenize", ["decode", "--help"]), ("corrupt", ["--help"]),
                                  ("phonebook-gen", ["--help"]), ("finetune", ["--help"]), ("score", ["--help"])] {
            let r = try ToolRunner.run(tool, arguments)
            #expect(r.out.contains("-m, --tokenizer"), "\(tool) \(arguments)")
        }
    }

    /// The Makefile's one list of models and procedures (for pipelines, scripts and figures) names
    /// exactly what `train` accepts.
    @Test func theMakefileListsTheModelsAndProceduresTrainAccepts() throws {
        let makefile = try String(contentsOf: ToolRunner.repository.appendingPathComponent("Makefile"), encoding: .utf8)
        func listed(_ variable: String) -> Set<String> {
            let prefix = "export \(variable) := "
            let line = makefile.components(separatedBy: "\n").first { $0.hasPrefix(prefix) } ?? prefix
            let words: [String] = String(line.dropFirst(prefix.count)).components(separatedBy: " ")
            return Set(words.filter { !$0.isEmpty })
        }
        func accepted(_ flag: String) throws -> Set<String> {
            let r = try ToolRunner.run("train", [flag, "nosuch"])   // the usage error lists the choices
            let quoted: [String] = r.stderr.components(separatedBy: "'").enumerated().filter { $0.offset % 2 == 1 }.map { $0.element }
            return Set(quoted.filter { $0 != "nosuch" && !$0.hasPrefix("-") })
        }
        #expect(listed("ALL_MODELS") == (try accepted("--model")) && !listed("ALL_MODELS").isEmpty)
        #expect(listed("ALL_PROCEDURES") == (try accepted("--procedure")) && !listed("ALL_PROCEDURES").isEmpty)
    }

    /// Package.swift declares for each library and tool exactly the modules its sources import.
    @Test func declaredDependenciesAreTheImports() throws {
        let root = ToolRunner.repository
        let package = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let system: Set<String> = ["Foundation", "ArgumentParser", "Glibc", "Dispatch"]
        let entry = try Regex(#"\("([\w-]+)", \[([^\]]*)\]\)"#), name = try Regex(#""(\w+)""#)
        var checked = 0
        for match in package.matches(of: entry) {
            let target = String(match.output[1].substring ?? "")
            let declared = Set(String(match.output[2].substring ?? "").matches(of: name).map { String($0.output[1].substring ?? "") })
            for folder in ["Libraries", "Tools"] {
                let dir = root.appendingPathComponent("\(folder)/\(target)")
                guard let files = try? FileManager.default.subpathsOfDirectory(atPath: dir.path) else { continue }
                var imports = Set<String>()
                for file in files where file.hasSuffix(".swift") {
                    let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
                    for line in text.components(separatedBy: "\n") where line.hasPrefix("import ") {
                        imports.insert(String(line.dropFirst("import ".count)).trimmingCharacters(in: .whitespaces))
                    }
                }
                #expect(imports.subtracting(system) == declared, "\(target): imports \(imports.subtracting(system).sorted()), declares \(declared.sorted())")
                checked += 1
            }
        }
        #expect(checked >= 20)
    }

    @Test func finetuneRefusesBooksMostlyLongerThanARow() throws {
        let dir = ScoreTests.fixture
        let r = try ToolRunner.run("finetune", ["--checkpoint", "base.ckpt", "-m", "tok.model", "books.jsonl", "--length", "16",
                                                "--steps", "1", "-o", "never-short.ckpt"], in: dir)
        #expect(r.status == 65)
        #expect(r.stderr.contains("books.jsonl") && r.stderr.contains("--length"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/never-short.ckpt"))
    }

    @Test func trainWithoutAnOutputWarnsAtStart() throws {
        let r = try ToolRunner.run("train", ["--model", "hawk", "--preset", "tiny", "--task", "copying", "--steps", "1", "--batch", "1",
                                             "--length", "16", "--eval-batches", "0", "--progress", "never"])
        #expect(r.status == 0 && r.stderr.hasPrefix("train: warning: no -o"), "\(r.stderr)")
    }
}
