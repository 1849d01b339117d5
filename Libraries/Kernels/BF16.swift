/// bfloat16: the top 16 bits of a Float (8 exponent bits, 7 mantissa bits). The bf16 matrix
/// products (BF16Products) round their operands with these; everything else stays fp32.
public enum BF16 {
    /// x rounded to the nearest bf16 (ties to even), as its bits; NaN stays NaN.
    @inline(__always)
    public static func bits(_ x: Float) -> UInt16 { UInt16(truncatingIfNeeded: nearestBits(x.bitPattern)) }

    @inline(__always)
    public static func float(_ h: UInt16) -> Float { Float(bitPattern: UInt32(h) << 16) }

    /// x rounded to bf16 and back: the value a bf16 product sees.
    @inline(__always)
    public static func rounded(_ x: Float) -> Float { float(bits(x)) }

    /// The bits of x rounded to bf16, branch-free (the NaN case is a select) so loops vectorise.
    @inline(__always)
    static func nearestBits(_ b: UInt32) -> UInt32 {
        let nearest = (b &+ 0x7FFF &+ ((b &>> 16) & 1)) &>> 16, quiet = (b &>> 16) | 0x40
        return b & 0x7FFF_FFFF > 0x7F80_0000 ? quiet : nearest
    }

    /// out (rows, cols) packed = x (rows, cols) with leading dimension ld, rounded to bf16; rows
    /// split across the workers when large. oneDNN's operands.
    public static func pack(_ x: UnsafePointer<Float>, ld: Int, rows: Int, cols: Int, into out: UnsafeMutablePointer<UInt16>) {
        Parallel.ranges(rows, minimum: max(1, 16_384 / max(cols, 1))) { range in
            for r in range {
                let src = UnsafeRawPointer(x + r * ld).assumingMemoryBound(to: UInt32.self), dst = out + r * cols
                for j in 0..<cols { dst[j] = UInt16(truncatingIfNeeded: nearestBits(src[j])) }
            }
        }
    }

    /// out (rows, cols) packed = x (rows, cols) with leading dimension ld, rounded to bf16 and kept
    /// as Float: the operands of the portable bf16 product (a product of two bf16 values is exact
    /// in fp32, so fp32 sgemm on these is the bf16 product). Serial: the attention tiles call it
    /// from their own workers; `roundParallel` splits large matrices.
    public static func round(_ x: UnsafePointer<Float>, ld: Int, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let src = UnsafeRawPointer(x + r * ld).assumingMemoryBound(to: UInt32.self)
            let dst = UnsafeMutableRawPointer(out + r * cols).assumingMemoryBound(to: UInt32.self)
            for j in 0..<cols { dst[j] = nearestBits(src[j]) &<< 16 }
        }
    }

    /// `round` with rows split across the workers when large.
    public static func roundParallel(_ x: UnsafePointer<Float>, ld: Int, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        Parallel.ranges(rows, minimum: max(1, 16_384 / max(cols, 1))) { range in
            round(x + range.lowerBound * ld, ld: ld, rows: range.count, cols: cols, into: out + range.lowerBound * cols)
        }
    }
}
