import ArgumentParser
import ToolSupport
import Training

/// Flags of the Birdie procedures (`--procedure birdie|birdie-causal`, and `--grid` for bfr).
struct BirdieOptions: ParsableArguments {
    @Option(help: "Configuration grid of birdie/birdie-causal: light (15 configurations, for small runs), birdie (the paper's 104), or a grid file. With bfr: hold this grid's starting mixture instead of the full pool's.")
    var grid: String?
    @Option(name: .customLong("eval-corpus"), help: "Held-out token documents for the per-configuration validation rows (default: every 50th document of --corpus, which training skips either way).")
    var evalCorpus: String?
    @Option(name: .customLong("validation-rows"), help: "Held-out rows per configuration, built once like training rows and reused at every evaluation.")
    var validationRows = 2
    @Option(name: .customLong("controller-log"), help: "JSON lines, one per evaluation: losses per configuration, reward, mixture chosen (default: CHECKPOINT.controller.jsonl). `critic` reads it as input and gives the same decisions.")
    var controllerLog: String?

    @Option(name: .customLong("critic-width"), help: "Critic width (the paper: 256).") var criticWidth = 256
    @Option(name: .customLong("critic-layers"), help: "Critic layers (the paper: 4).") var criticLayers = 4
    @Option(name: .customLong("critic-training-steps"), help: "AdamW steps of critic training per evaluation (the paper: 200).")
    var criticTrainingSteps = 200
    @Option(help: "Candidate mixtures scored per decision (the paper: 2048).") var candidates = 2048
    @Option(name: .customLong("candidate-power"), help: "Raise candidates' uniform draws to this power before normalising (the paper: 1; docs/CRITIC.md).")
    var candidatePower = 1.0

    func validate() throws {
        if validationRows < 1 { throw ValidationError("--validation-rows must be at least 1") }
        try Limits.check(validationRows, "--validation-rows", limit: 1 << 12)
        try Limits.check(candidates, "--candidates", limit: Limits.candidates)
        try Limits.check(criticWidth, "--critic-width", limit: 1 << 14)
        try Limits.check(criticLayers, "--critic-layers", limit: 64)
        try Limits.check(criticTrainingSteps, "--critic-training-steps", limit: 1 << 20, allowZero: true)
        try Limits.check(candidatePower, "--candidate-power", in: 1e-3...1e3)
        if criticWidth < 1 || criticLayers < 1 || criticTrainingSteps < 0 || candidates < 8 || !(candidatePower > 0) {
            throw ValidationError("--critic-width, --critic-layers and --candidate-power must be positive, --critic-training-steps non-negative, --candidates at least 8")
        }
    }

    /// The flags as the library's settings.
    var settings: TrainCommand.Birdie {
        var s = TrainCommand.Birdie()
        s.grid = grid; s.evalCorpus = evalCorpus; s.validationRows = validationRows; s.controllerLog = controllerLog
        s.criticWidth = criticWidth; s.criticLayers = criticLayers; s.criticTrainingSteps = criticTrainingSteps
        s.candidates = candidates; s.candidatePower = candidatePower
        return s
    }
}
