/// bfloat16: the top 16 bits of a Float (8 exponent bits, 7 mantissa bits). The bf16 matrix
/// products (BF16Products) round their operands with these; everything else stays fp32.
public enum BF16 {
    /// x rounded to the nearest bf16 (ties to even), as its bits; NaN stays NaN.
    @inline(__always)
    public static func bits(_ x: Float) -> UInt16 {
        let b = x.bitPattern
        if b & 0x7FFF_FFFF > 0x7F80_0000 { return UInt16(truncatingIfNeeded: b >> 16) | 0x40 }
        return UInt16(truncatingIfNeeded: (b &+ 0x7FFF &+ ((b >> 16) & 1)) >> 16)
    }

    @inline(__always)
    public static func float(_ h: UInt16) -> Float { Float(bitPattern: UInt32(h) << 16) }

    /// x rounded to bf16 and back: the value a bf16 product sees.
    @inline(__always)
    public static func rounded(_ x: Float) -> Float { float(bits(x)) }

    /// out (rows, cols) packed = x (rows, cols) with leading dimension ld, rounded to bf16. A
    /// branch-free loop (the NaN case is a select), which LLVM vectorises; rows split across the
    /// workers when large.
    public static func pack(_ x: UnsafePointer<Float>, ld: Int, rows: Int, cols: Int, into out: UnsafeMutablePointer<UInt16>) {
        Parallel.ranges(rows, minimum: max(1, 16_384 / max(cols, 1))) { range in
            for r in range {
                let src = UnsafeRawPointer(x + r * ld).assumingMemoryBound(to: UInt32.self), dst = out + r * cols
                for j in 0..<cols {
                    let b = src[j]
                    let nearest = (b &+ 0x7FFF &+ ((b &>> 16) & 1)) &>> 16, quiet = (b &>> 16) | 0x40
                    dst[j] = UInt16(truncatingIfNeeded: b & 0x7FFF_FFFF > 0x7F80_0000 ? quiet : nearest)
                }
            }
        }
    }
}
