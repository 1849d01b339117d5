// Polynomial exp/log and the activations built on them. libm's expf/logf are calls the
// auto-vectoriser cannot widen; these are straight-line float code (no branches, no trapping
// integer conversions), so simple loops over pointers compile to AVX-512 vector code.

public enum FastMath {
    /// e^x with relative error about 2e-7 (Cephes expf polynomial); inputs clamped to [-87.3, 88.3].
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let x = Swift.min(Swift.max(x, -87.3), 88.3)
        // Round x*log2(e) to the nearest integer n by the 1.5*2^23 trick; n sits in k's low bits.
        let k = x * 1.44269504 + 12582912.0
        let n = k - 12582912.0
        let r = x - n * 0.693359375 + n * 2.12194440e-4  // x - n*ln2 in two parts
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * r * r + r + 1
        let scale = Float(bitPattern: (k.bitPattern &- 0x4B40_0000 &+ 127) << 23)  // 2^n
        return p * scale
    }

    /// Natural log for x > 0 (normal floats), absolute error about 1e-7 relative to log's scale.
    @inlinable @inline(__always)
    public static func log(_ x: Float) -> Float {
        // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m-1)/(m+1).
        let bits = x.bitPattern
        let shifted = bits &- 0x3F35_04F3  // bit pattern of sqrt(1/2)
        let e = Float(Int32(bitPattern: shifted) >> 23)
        let m = Float(bitPattern: (shifted & 0x007F_FFFF) &+ 0x3F35_04F3)
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var p: Float = 1.0 / 9
        p = p * s2 + 1.0 / 7
        p = p * s2 + 1.0 / 5
        p = p * s2 + 1.0 / 3
        p = p * s2 + 1
        return 2 * s * p + e * 0.693147181
    }

    @inlinable @inline(__always)
    public static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// log(1 + e^x), stable for large |x|.
    @inlinable @inline(__always)
    public static func softplus(_ x: Float) -> Float {
        Swift.max(x, 0) + log(1 + exp(-Swift.abs(x)))
    }

    static let geluScale: Float = 0.7978845608  // sqrt(2/pi)

    /// GeLU, tanh form: 0.5 x (1 + tanh(u)) = x * sigmoid(2u), u = sqrt(2/pi)(x + 0.044715 x^3).
    @inlinable @inline(__always)
    public static func gelu(_ x: Float) -> Float {
        x * sigmoid(2 * 0.7978845608 * (x + 0.044715 * x * x * x))
    }

    /// d gelu / dx.
    @inlinable @inline(__always)
    public static func geluDerivative(_ x: Float) -> Float {
        let s = sigmoid(2 * 0.7978845608 * (x + 0.044715 * x * x * x))
        return s + x * s * (1 - s) * 2 * 0.7978845608 * (1 + 3 * 0.044715 * x * x)
    }
}
