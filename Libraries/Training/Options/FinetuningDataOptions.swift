import ArgumentParser

/// The pairs `finetune` trains on. Every flag defines the run (`RunFlags`).
public struct FinetuningDataOptions: ParsableArguments {
    @Option(name: [.customShort("m"), .long], help: "Tokenizer model the checkpoint was trained with.") public var tokenizer: String
    @Argument(help: "Prompt/target JSONL; - or nothing for stdin.") public var input = "-"

    public init() {}
}
