// swift-tools-version:6.1
// birdie: tools for training state-space language models with Birdie's bidirectional prefix and
// reinforcement-learned mixture of pre-training objectives. See README.md and docs/ARCHITECTURE.md.
import PackageDescription
import Foundation

// Libraries, lowest first; an arrow only points down. Each list is exactly what the target imports.
let libraries: [(name: String, deps: [String])] = [
    ("ToolSupport", []),
    ("Vocabulary", []),
    ("Randomness", []),
    ("Formats", ["ToolSupport", "CZstd"]),
    ("Tokenizer", ["Vocabulary", "Formats", "ToolSupport"]),
    ("Objectives", ["Randomness", "Vocabulary", "Formats", "ToolSupport"]),
    ("Packing", ["Vocabulary", "Objectives", "Formats", "ToolSupport"]),
    ("Kernels", ["CBLAS", "CDNNL", "CBF16Tiles"]),
    ("Models", ["Kernels", "CBLAS", "Randomness"]),
    ("Controller", ["Kernels", "CBLAS", "Randomness", "ToolSupport"]),
    ("Distributed", ["CMPI"]),
    ("Tasks", ["Tokenizer", "Randomness", "Vocabulary", "ToolSupport"]),
    ("Training", ["Models", "Kernels", "Packing", "Objectives", "Controller", "Distributed", "Tasks", "Formats", "Randomness", "Vocabulary", "ToolSupport"]),
    ("Scoring", ["Models", "Training", "Objectives", "Tasks", "Formats", "Randomness", "Vocabulary", "ToolSupport"]),
]

// Thin executables: parse flags, call libraries.
let tools: [(name: String, deps: [String])] = [
    ("tokenize", ["Tokenizer", "Formats", "ToolSupport"]),
    ("corrupt", ["Objectives", "Tokenizer", "Formats", "ToolSupport"]),
    ("pack", ["Packing", "Formats", "ToolSupport"]),
    ("train", ["Training", "ToolSupport"]),
    ("critic", ["Controller", "Kernels", "ToolSupport"]),
    ("finetune", ["Training", "ToolSupport"]),
    ("phonebook-gen", ["Tasks", "Randomness", "ToolSupport"]),
    ("infill-gen", ["Tasks", "ToolSupport"]),
    ("score", ["Scoring", "Training", "Models", "Kernels", "ToolSupport"]),
]

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: root + "/" + path) }

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
// Release speed needs the vector units of the machine that builds; the Makefile passes the flags.
var targets: [Target] = [
    .systemLibrary(name: "CBLAS", path: "Libraries/CBLAS", pkgConfig: "openblas",
                   providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CZstd", path: "Libraries/CZstd", pkgConfig: "libzstd",
                   providers: [.apt(["libzstd-dev"])]),
    // oneDNN (no pkg-config file in Debian): the bf16 matrix products.
    .systemLibrary(name: "CDNNL", path: "Libraries/CDNNL", providers: [.apt(["libdnnl-dev"])]),
    // Open MPI (data-parallel train and finetune, Libraries/Distributed; docs/CLUSTER.md).
    .systemLibrary(name: "CMPI", path: "Libraries/CMPI", pkgConfig: "ompi",
                   providers: [.apt(["libopenmpi-dev"])]),
    // Our own AVX512-BF16 products for the attention tiles (C: Swift has no vdpbf16ps).
    .target(name: "CBF16Tiles", path: "Libraries/CBF16Tiles"),
]
for lib in libraries {
    var deps = lib.deps.map { Target.Dependency(stringLiteral: $0) }
    // Libraries that declare option groups shared by several tools.
    if ["ToolSupport", "Controller", "Training"].contains(lib.name) { deps.append(argumentParser) }
    // Data a library reads at run time (grids, presets) lives in its Resources/ folder.
    targets.append(.target(name: lib.name, dependencies: deps, path: "Libraries/\(lib.name)",
                           exclude: exists("Libraries/\(lib.name)/README.md") ? ["README.md"] : [],
                           resources: exists("Libraries/\(lib.name)/Resources") ? [.copy("Resources")] : nil))
    // Tests draw their data from the project's one seeded generator.
    let testDeps = lib.name == "Randomness" ? [lib.name] : [lib.name, "Randomness"]
    targets.append(.testTarget(name: "\(lib.name)Tests", dependencies: testDeps.map { .init(stringLiteral: $0) },
                               path: "Tests/\(lib.name)Tests"))
}
for tool in tools {
    targets.append(.executableTarget(
        name: tool.name, dependencies: tool.deps.map { Target.Dependency(stringLiteral: $0) } + [argumentParser],
        path: "Tools/\(tool.name)"))
}
// The fuzz harness over every reader (`make fuzz`), a developer tool: not installed.
let fuzz: (name: String, deps: [String]) = ("fuzz", ["Controller", "Formats", "Objectives", "Packing", "Tasks", "Tokenizer", "ToolSupport", "Training", "Randomness"])
targets.append(.executableTarget(name: fuzz.name, dependencies: fuzz.deps.map { Target.Dependency(stringLiteral: $0) } + [argumentParser],
                                 path: "Tools/fuzz"))
// Runs the built binaries end to end.
targets.append(.testTarget(name: "ToolTests", dependencies: ["ToolSupport", "Randomness"], path: "Tests/ToolTests"))

let package = Package(
    name: "birdie",
    platforms: [.macOS(.v14)],
    dependencies: [.package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")],
    targets: targets
)
