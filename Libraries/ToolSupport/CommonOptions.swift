import ArgumentParser

extension ProgressMode: ExpressibleByArgument {}

/// Flags every tool shares.
public struct CommonOptions: ParsableArguments {
    @Option(help: "Random seed; the same seed and inputs give the same bytes out.")
    public var seed: UInt64 = 1

    @Option(help: "Progress on stderr: auto (when stderr is a terminal), always, never.")
    public var progress: ProgressMode = .auto

    @Flag(name: .shortAndLong, help: "Print only errors.")
    public var quiet = false

    @Flag(name: .shortAndLong, help: "Print more detail to stderr.")
    public var verbose = false

    public init() {}

    /// Progress mode after --quiet.
    public var effectiveProgress: ProgressMode { quiet ? .never : progress }
}
