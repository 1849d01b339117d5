import CBF16Tiles

/// The precision of the large matrix products (every Linear: projections, MLP, head; and the
/// attention tiles). fp32 is the reference; bf16 rounds both operands to bfloat16 and sums the
/// products in fp32. Master weights, gradients, optimizer, scans, norms, softmax and loss stay fp32
/// either way. Set once at start-up, only through `EngineOps.setPrecision`.
public enum Precision: String, CaseIterable, Sendable {
    case fp32, bf16
    public internal(set) nonisolated(unsafe) static var products: Precision = .fp32
    /// How bf16 products run when `products` is bf16.
    public internal(set) nonisolated(unsafe) static var bf16Path: BF16Path = .here
}

/// How a bf16 product is computed. Both paths give the fp32 products of the bf16-rounded operands
/// (a product of two bf16 values is exact in fp32) summed in fp32, so they differ only in the order
/// of the sums: `--precision bf16` means the same numbers on every CPU.
public enum BF16Path: String, Sendable {
    /// The CPU's bf16 dot products (AVX512-BF16's vdpbf16ps): oneDNN's matmul for Linear, our kernel
    /// (Libraries/CBF16Tiles) for the attention tiles.
    case native
    /// Operands rounded to bf16 into fp32 buffers, then OpenBLAS sgemm: any CPU.
    case portable

    /// This machine's path, checked once at run time: native where the CPU has AVX512-BF16 (every
    /// CPU with AMX-BF16 has it too) and oneDNN makes a bf16 product, portable elsewhere.
    public static let here: BF16Path = birdie_bf16_tiles_supported() == 1 && BF16Products.oneDNNAvailable ? .native : .portable
}

/// What `--precision` takes: a precision, or auto (the tools' and the scale files' default).
public enum PrecisionChoice: String, CaseIterable, Sendable {
    case auto, fp32, bf16

    public init(_ precision: Precision) { self = precision == .bf16 ? .bf16 : .fp32 }

    /// The help of the tools' `--precision`.
    public static let help = "Matrix products: auto (bf16 where the CPU has AVX512-BF16, else fp32), fp32 (the reference), or bf16 (operands rounded to bfloat16, fp32 sums: the CPU's bf16 instructions where it has them, else a portable path, slower than fp32, with the same numbers; weights, optimizer, scans, norms and loss stay fp32; docs/PERFORMANCE.md)."

    /// auto is bf16 only where the CPU multiplies bf16 natively: 1.4-1.7x faster than fp32 there
    /// (AMD Zen 4). Without it the portable path rounds the operands and then runs the fp32 product,
    /// and oneDNN emulates bf16 at a third of fp32's speed (Intel Ice Lake): fp32 is faster
    /// (docs/PERFORMANCE.md, "bf16 without AVX512-BF16").
    public var resolved: Precision {
        switch self {
        case .fp32: return .fp32
        case .bf16: return .bf16
        case .auto: return BF16Path.here == .native ? .bf16 : .fp32
        }
    }

    /// The line a tool prints on stderr: what runs, and why.
    public var explanation: String {
        switch (self, resolved, BF16Path.here) {
        case (.auto, .bf16, _): return "precision auto: bf16 (this CPU has AVX512-BF16)"
        case (.auto, _, _): return "precision auto: fp32 (this CPU has no AVX512-BF16, where bf16 is slower than fp32; --precision bf16 runs it anyway)"
        case (_, .bf16, .portable): return "precision bf16: portable path (this CPU has no AVX512-BF16: operands rounded to bf16, products through fp32 sgemm, slower than fp32)"
        case (_, let p, _): return "precision \(p.rawValue)"
        }
    }
}

extension EngineOps {
    /// `--precision`: resolves auto and sets the engine's products; returns what runs. `path` is for
    /// tests and benchmarks that compare the two bf16 paths (native only where `BF16Path.here` is).
    @discardableResult
    public static func setPrecision(_ choice: PrecisionChoice, path: BF16Path = .here) -> Precision {
        precondition(path == .portable || BF16Path.here == .native, "the native bf16 path needs AVX512-BF16")
        Precision.products = choice.resolved
        Precision.bf16Path = path
        return Precision.products
    }
}
