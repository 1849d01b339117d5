// Explicit 16-lane vectors for the fused loops the auto-vectoriser leaves scalar (several
// pointers that might alias, scans through one buffer). Only the stdlib's builtin-backed SIMD16
// operations are used (+ - * /, comparisons, replacing, wrapping integer ops): the generic ones
// (pointwiseMin/Max) compile to scalar code.

public typealias Vec = SIMD16<Float>

extension UnsafePointer where Pointee == Float {
    /// Loads `count` (<= 16) floats; missing lanes are 0.
    @inlinable @inline(__always)
    func vector(_ count: Int = 16) -> Vec {
        if count == 16 { return UnsafeRawPointer(self).loadUnaligned(as: Vec.self) }
        var v = Vec()
        for l in 0..<count { v[l] = self[l] }
        return v
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    @inlinable @inline(__always)
    func vector(_ count: Int = 16) -> Vec { UnsafePointer(self).vector(count) }

    /// Stores the first `count` (<= 16) lanes of v.
    @inlinable @inline(__always)
    func store(_ v: Vec, _ count: Int = 16) {
        if count == 16 { UnsafeMutableRawPointer(self).storeBytes(of: v, as: Vec.self); return }
        for l in 0..<count { self[l] = v[l] }
    }

    /// self[0..<count] += v.
    @inlinable @inline(__always)
    func add(_ v: Vec, _ count: Int = 16) { store(vector(count) + v, count) }
}

extension FastMath {
    /// The same polynomial as the scalar exp, 16 lanes at a time.
    @inlinable @inline(__always)
    public static func exp(_ x: Vec) -> Vec {
        var x = x
        x.replace(with: -87.3, where: x .< -87.3)
        x.replace(with: 88.3, where: x .> 88.3)
        let k = x * 1.44269504 + 12582912.0
        let n = k - 12582912.0
        let r = x - n * 0.693359375 + n * 2.12194440e-4
        var p = Vec(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * r * r + r + 1
        let bits = (unsafeBitCast(k, to: SIMD16<UInt32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: Vec.self)
    }

    @inlinable @inline(__always)
    public static func sigmoid(_ x: Vec) -> Vec { 1 / (1 + exp(-x)) }

    @inlinable @inline(__always)
    public static func gelu(_ x: Vec) -> Vec {
        let x2: Vec = x * x
        return x * sigmoid(1.5957691216 * x * (1 + 0.044715 * x2))
    }

    @inlinable @inline(__always)
    public static func geluDerivative(_ x: Vec) -> Vec {
        let x2: Vec = x * x
        let s: Vec = sigmoid(1.5957691216 * x * (1 + 0.044715 * x2))
        let du: Vec = 1.5957691216 * (1 + 0.134145 * x2)  // d(2u)/dx
        return s + x * s * (1 - s) * du
    }
}
