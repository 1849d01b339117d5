/// Where `train` and `finetune` differ in their shared flags' defaults.
public protocol RunDefaults {
    static var steps: Int { get }
    static var learningRate: Float { get }
    static var evalEvery: Int { get }
    static var evalBatches: Int { get }
}

public enum PretrainingDefaults: RunDefaults {
    public static let steps = 1000, evalEvery = 100, evalBatches = 4
    public static let learningRate: Float = 1e-3
}

public enum FinetuningDefaults: RunDefaults {
    public static let steps = 250, evalEvery = 50, evalBatches = 2
    public static let learningRate: Float = 1e-4
}
